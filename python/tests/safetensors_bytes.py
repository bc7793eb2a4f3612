"""Raw safetensors bytes for the persistence tests: files the safetensors package cannot write (bfloat16, 8-bit
floats) and malformed ones."""
import json
import struct


def raw_file(header, buffer=b"", length=None):
    """A safetensors file from a header (dict or raw bytes) and buffer, optionally with a forged length field."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + buffer
