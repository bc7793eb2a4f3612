"""Value pools every area draws from: integers of each C width around the limits, doubles including NaN, the
infinities and subnormals, counts no array can hold (negative or beyond 2^31), and malformed or hostile JSON."""

I64 = [0, 1, 2, 3, -1, -2, 8, 9, 2**31 - 1, 2**31, -2**31, 2**32, 2**40, 2**48, 2**62, 2**63 - 1, -2**63, 1 << 24,
       (1 << 24) + 1]
I32 = [0, 1, 2, 3, -1, 8, 9, 100, 2**31 - 1, -2**31]
U64 = [0, 1, 2**32, 2**63, 2**64 - 1]
F64 = [0.0, -0.0, 1.0, -1.0, 0.5, "nan", "inf", "-inf", 1e308, -1e308, 5e-324, 1e20, 3.0]
HUGE_COUNTS = [-1, -2, -2**31, -2**63, 2**31, 2**32, 2**40, 2**62, 2**63 - 1]
GARBAGE_JSON = ["[" * 100000, "{\"a\":" * 5000, "[1,", "{", "}", "nul", "\"\\u12", "\"\\ud800\"", "1" * 5000,
                "-" * 100, "1e999999", "NaN", "-Infinity", "\xff\xfe\x80", "{\"axis\": \"\xc3\x28\"}", "[]",
                "{\"axis\": 1e30}", "{\"axis\": -1e30}", "{\"shape\": [" + ",".join(["1"] * 100) + "]}",
                "{\"pattern\": [" + ",".join(["\"x\""] * 12) + ", 0]}", "{\"repeats\": 1e12, \"axis\": 0}",
                "{\"items\": [[null, null, 9e15]]}", "{\"depth\": 9e15}", "\"" + "\\\\" * 1000 + "\""]
