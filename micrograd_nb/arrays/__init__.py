"""The array layer below the primitives: float16 data and its fast exact arithmetic.

Precision is a property of the arrays, not of the rules: a cast to float16 makes a `HalfArray`
(`half_array`), whose +, -, *, @ and relu run on `half`'s kernels (exact conversions, float32
accumulation in matrix products). The primitives' rules run on it unchanged, so no derivative
is written twice for float16. The same kernels module divides gradients by the loss scale
(`half.unscaled`) and multiplies a gradient by relu's boolean derivative (`half.mask_product`).
"""
