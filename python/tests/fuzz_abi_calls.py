"""Runs C-ABI calls described as JSON specs, so a call sequence can be logged, replayed in a fresh process and printed
as a reproducer. Used by the fuzz_abi_gen package (which makes the calls) and test_fuzz_abi.py (which runs them in
subprocesses). Only ctypes and the engine library: no numpy, no agentnet package, so a subprocess starts fast.

A call is ``[name, [arg, ...]]``; an arg is one of
``["i", v]`` an integer, ``["f", v]`` a double (``"nan"``, ``"inf"``, ``"-inf"`` allowed), ``["null"]``,
``["str", piece, repeat]`` the C string ``piece * repeat`` (latin-1, so any bytes), ``["h", j, k]`` the k-th handle
call j returned (0 if it returned none), ``["arr", ctype, n, values]`` an array of n elements starting with
``values`` (each an int/float or a nested ``["h", j, k]``), ``["out", ctype, n]`` a zeroed array the engine writes,
``["desc", [item, ...]]`` an int64 array whose items are ints or ``["addr", arg]`` (the address of another array),
``["fmt", template, [arg, ...]]`` the C string ``template % values`` (handles inside JSON attributes),
``["tmp", name]`` the path of `name` in the runner's scratch directory, ``["file", name, hex]`` the same path after
writing the bytes `hex` there (malformed files), ``["cb", behaviour]`` a host callback (see `HOST_BEHAVIOURS`).
Every array is exactly as long as the count the call gives for it (pointers that lie are out of scope).
"""
import atexit
import ctypes
import importlib.util
import json
import math
import os
import pathlib
import re
import shutil
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADER = ROOT / "include" / "agentnet.h"

CTYPES = {"i8": ctypes.c_int8, "u8": ctypes.c_uint8, "i32": ctypes.c_int32, "u32": ctypes.c_uint32,
          "i64": ctypes.c_int64, "u64": ctypes.c_uint64, "f32": ctypes.c_float, "f64": ctypes.c_double,
          "ptr": ctypes.c_void_p}


def load_library():
    """The engine library, found as agentnet._lib finds it (loaded from its file, without the package)."""
    spec = importlib.util.spec_from_file_location("_agentnet_lib", ROOT / "python" / "agentnet" / "_lib.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lib


def declared_functions():
    """``{name: [param type, ...]}`` for every function in include/agentnet.h; a type is i32, i64, u64, f64 or ptr."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    out = {}
    for m in re.finditer(r"[\w\s\*]+?\b(agn_\w+)\s*\(([^)]*)\)\s*;", text):
        params = [p.strip() for p in m.group(2).split(",") if p.strip() and p.strip() != "void"]
        kinds = []
        for p in params:
            if "*" in p or p.startswith("agn_host_fn"):
                kinds.append("ptr")
            elif "double" in p:
                kinds.append("f64")
            elif "uint64_t" in p:
                kinds.append("u64")
            elif "int32_t" in p:
                kinds.append("i32")
            else:
                kinds.append("i64")  # int64_t, agn_handle
        out[m.group(1)] = kinds
    return out


c_i64p = ctypes.POINTER(ctypes.c_int64)
HOST_FN = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32, ctypes.c_int64, ctypes.c_char_p, c_i64p, ctypes.c_int64,
                           c_i64p, ctypes.c_int64, c_i64p, ctypes.POINTER(ctypes.c_char_p))
#: How a fuzz host callback answers (agn_host_install): honestly (inputs back as outputs, the first input shape back
#: for shape requests), with a failure, with counts beyond its capacity or negative, with stale handles, or with
#: malformed or hostile JSON replies.
HOST_BEHAVIOURS = ["echo", "fail", "fail_silent", "count_huge", "count_negative", "count_over_cap", "bad_handle",
                   "bad_json", "deep_json", "rank_9", "no_reply"]
_REPLIES = {"fail": b"host says no", "bad_json": b"[[[", "deep_json": b"[" * 100000,
            "rank_9": b"[[" + b",".join([b"1"] * 9) + b"]]"}


_CALLBACKS = []  # host callbacks stay alive for the process: the engine may hold one


def host_callback(behaviour):
    """A ctypes host function (agn_host_fn) that answers as `behaviour` says; it never raises into ctypes."""
    def fn(request, key, options, ins, n_in, outs, cap, n_out, reply):
        try:
            if behaviour in ("fail", "fail_silent"):
                if behaviour == "fail" and reply:
                    reply[0] = _REPLIES["fail"]
                return 1
            if behaviour in _REPLIES and reply:
                reply[0] = _REPLIES[behaviour]
            elif request == 2 and behaviour == "echo" and reply:
                shapes = json.loads(options.decode()).get("input_shapes") or [[None]]
                fn.reply = json.dumps([shapes[0]]).encode()
                reply[0] = fn.reply
            if request in (1, 3):
                k = max(0, min(n_in, cap))
                if behaviour == "bad_handle" and cap > 0:
                    outs[0], k = 10**12 + key, 1
                else:
                    for i in range(k):
                        outs[i] = ins[i]
                if n_out:
                    n_out[0] = {"count_huge": 2**40, "count_negative": -1, "count_over_cap": cap + 1}.get(behaviour, k)
            elif n_out:
                n_out[0] = 0
            return 0
        except Exception:
            return 1
    return HOST_FN(fn)


def _float(v):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(v, v) if isinstance(v, str) else float(v)


class Runner:
    """Executes call specs against the library, remembering the handles each call returned."""

    def __init__(self, lib=None):
        self.lib = lib or load_library()
        self.signatures = declared_functions()
        self.returned = {}  # call index -> list of ints written to "out" i64 arrays
        self.keep = []
        base = os.environ.get("AGN_FUZZ_TMP")
        self.tmp = tempfile.mkdtemp(prefix="agn-fuzz-", dir=base if base and os.path.isdir(base) else None)
        atexit.register(shutil.rmtree, self.tmp, True)
        os.chdir(self.tmp)  # relative paths a call writes land in the scratch directory
        for name, kinds in self.signatures.items():
            fn = getattr(self.lib, name)
            fn.argtypes = [CTYPES[k] for k in kinds]
            fn.restype = ctypes.c_void_p if name == "agn_last_error" else ctypes.c_int32

    def handle(self, j, k):
        values = self.returned.get(j, [])
        return values[k] if k < len(values) else 0

    def cstring(self, b):
        s = ctypes.create_string_buffer(b)
        self.keep.append(s)
        return ctypes.addressof(s)

    def value(self, arg, outs):
        kind = arg[0]
        if kind == "fmt":
            values = [self.value(a, outs) for a in arg[2]]
            return self.cstring((arg[1] % tuple(0 if v is None else v for v in values)).encode("latin-1"))
        if kind in ("tmp", "file"):
            path = os.path.join(self.tmp, arg[1])
            if kind == "file":
                with open(path, "wb") as f:
                    f.write(bytes.fromhex(arg[2]))
            return self.cstring(path.encode())
        if kind == "cb":
            cb = host_callback(arg[1])
            _CALLBACKS.append(cb)
            return ctypes.cast(cb, ctypes.c_void_p).value
        if kind == "i":
            return arg[1]
        if kind == "f":
            return _float(arg[1])
        if kind == "null":
            return None
        if kind == "h":
            return self.handle(arg[1], arg[2])
        if kind == "str":
            s = ctypes.create_string_buffer(arg[1].encode("latin-1") * arg[2])
            self.keep.append(s)
            return ctypes.addressof(s)
        if kind in ("arr", "out"):
            ctype, n = CTYPES[arg[1]], arg[2]
            a = (ctype * max(n, 1))()
            if kind == "arr":
                for i, v in enumerate(arg[3][:n]):
                    v = self.value(v, outs) if isinstance(v, list) else v
                    a[i] = _float(v) if arg[1] in ("f32", "f64") else v
            else:
                outs.append((arg, a))
            self.keep.append(a)
            return ctypes.addressof(a)
        if kind == "desc":
            items = [self.value(v[1], outs) if isinstance(v, list) else v for v in arg[1]]
            a = (ctypes.c_int64 * max(len(items), 1))(*[0 if v is None else v for v in items])
            self.keep.append(a)
            return ctypes.addressof(a)
        raise ValueError(f"unknown arg spec {arg!r}")

    def call(self, index, spec):
        """Runs call `index`; returns (status, the arrays it wrote)."""
        name, args = spec
        outs = []
        values = [self.value(a, outs) for a in args]
        status = getattr(self.lib, name)(*values)
        written = []
        for arg, a in outs:
            written.append([a[i] for i in range(arg[2])])
        if status == 0 and name != "agn_last_error":
            self.returned[index] = [v for arg, w in zip((o[0] for o in outs), written) if arg[1] == "i64" for v in w]
        self.keep.clear()
        return status, written


def show(arg):
    """A short, readable rendering of one arg spec for reproducers."""
    kind = arg[0]
    if kind in ("i", "f"):
        return repr(arg[1])
    if kind == "null":
        return "NULL"
    if kind == "h":
        return f"r{arg[1]}[{arg[2]}]"
    if kind == "str":
        piece = arg[1].encode("latin-1")
        return f"{piece!r} * {arg[2]}" if arg[2] > 1 else repr(piece)
    if kind == "arr":
        values = ", ".join(show(v) if isinstance(v, list) else repr(v) for v in arg[3][:12])
        more = ", ..." if len(arg[3]) > 12 else ""
        return f"({arg[1]} * {arg[2]})({values}{more})"
    if kind == "out":
        return f"out({arg[1]} * {arg[2]})"
    if kind == "desc":
        return "desc[" + ", ".join(show(v[1]) if isinstance(v, list) else repr(v) for v in arg[1]) + "]"
    if kind == "fmt":
        return f"({arg[1][:200]!r} % ({', '.join(show(a) for a in arg[2])}))"
    if kind == "tmp":
        return f"TMP/{arg[1]}"
    if kind == "file":
        return f"TMP/{arg[1]} <- bytes.fromhex({arg[2][:200]!r})"
    if kind == "cb":
        return f"host_callback({arg[1]!r})"
    return json.dumps(arg)


def show_call(index, spec):
    return f"r{index} = {spec[0]}(" + ", ".join(show(a) for a in spec[1]) + ")"


def handle_refs(spec):
    """Indices of the calls whose handles `spec` uses."""
    refs = set()

    def walk(v):
        if isinstance(v, list):
            if len(v) == 3 and v[0] == "h" and isinstance(v[1], int):
                refs.add(v[1])
            else:
                for x in v:
                    walk(x)
    walk(spec[1])
    return refs
