"""The array layer below the primitives: float16 data and its fast exact arithmetic.

Precision is a property of the arrays, not of the rules: a cast to float16 makes a `HalfArray`
(`half_array`), whose +, -, *, @ and relu run on `half`'s kernels (exact conversions, float32
accumulation in matrix products). The primitives' rules run on it unchanged, so no derivative
is written twice for float16. The same kernels module runs `floats`' passes over float32 and
float64 arrays: relu, its boolean derivative times a gradient, and the loss scale's division.
"""
