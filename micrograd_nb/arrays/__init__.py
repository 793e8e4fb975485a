"""The array layer below the primitives: float16 arithmetic and conversions (`half`).

Precision is a property of the arrays, not of the rules: the primitives call these kernels
where float16 needs them (exact, fast conversions; float32 accumulation), and no derivative
is written twice for float16.
"""
