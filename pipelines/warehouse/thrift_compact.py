"""Thrift compact protocol, generically: a Parquet footer (FileMetaData) read into nested field
lists and written back byte for byte, so pipelines.warehouse.parquet_splice can move row groups
between files by rewriting only their offsets.

A struct is a list of Field(id, type, value); a list value is ThriftList(element type, items).
Every field keeps its wire type, so encode(decode(b)) == b for any struct a Thrift library
wrote (fields in increasing id order, minimal varints: tests check it on pyarrow's footers).
Reference: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

TRUE, FALSE, I8, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(1, 13)
_INTEGERS = (I16, I32, I64)


@dataclass
class Field:
    id: int
    type: int
    value: Any


@dataclass
class ThriftList:
    element_type: int
    items: list


class ThriftError(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def byte(self) -> int:
        try:
            value = self.data[self.pos]
        except IndexError:
            raise ThriftError("truncated thrift data") from None
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ThriftError("truncated thrift data")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def value(self, kind: int) -> Any:
        if kind in (TRUE, FALSE):  # inside a collection: one byte
            return self.byte() == TRUE
        if kind == I8:
            return self.byte()
        if kind in _INTEGERS:
            return self.zigzag()
        if kind == DOUBLE:
            return struct.unpack("<d", self.take(8))[0]
        if kind == BINARY:
            return self.take(self.varint())
        if kind in (LIST, SET):
            header = self.byte()
            size, element = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            return ThriftList(element, [self.value(element) for _ in range(size)])
        if kind == STRUCT:
            return self.struct()
        raise ThriftError(f"unsupported thrift type {kind}")  # MAP: Parquet footers have none

    def struct(self) -> list[Field]:
        fields: list[Field] = []
        last = 0
        while True:
            header = self.byte()
            if header == 0:
                return fields
            kind, delta = header & 0x0F, header >> 4
            field_id = last + delta if delta else self.zigzag()
            value = (kind == TRUE) if kind in (TRUE, FALSE) else self.value(kind)
            fields.append(Field(field_id, kind, value))
            last = field_id


def decode(data: bytes) -> list[Field]:
    """The struct encoded at the start of `data` (trailing bytes are ignored)."""
    return _Reader(data).struct()


def _varint(n: int, out: bytearray) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(n: int, out: bytearray) -> None:
    _varint((n << 1) ^ (n >> 63), out)


def _value(kind: int, value: Any, out: bytearray) -> None:
    if kind in (TRUE, FALSE):
        out.append(TRUE if value else FALSE)
    elif kind == I8:
        out.append(value & 0xFF)
    elif kind in _INTEGERS:
        _zigzag(value, out)
    elif kind == DOUBLE:
        out += struct.pack("<d", value)
    elif kind == BINARY:
        _varint(len(value), out)
        out += value
    elif kind in (LIST, SET):
        size = len(value.items)
        out.append((size << 4 | value.element_type) if size < 15 else (0xF0 | value.element_type))
        if size >= 15:
            _varint(size, out)
        for item in value.items:
            _value(value.element_type, item, out)
    elif kind == STRUCT:
        _struct(value, out)
    else:
        raise ThriftError(f"unsupported thrift type {kind}")


def _struct(fields: list[Field], out: bytearray) -> None:
    last = 0
    for f in fields:
        kind = (TRUE if f.value else FALSE) if f.type in (TRUE, FALSE) else f.type
        delta = f.id - last
        if 0 < delta <= 15:
            out.append(delta << 4 | kind)
        else:
            out.append(kind)
            _zigzag(f.id, out)
        if kind not in (TRUE, FALSE):
            _value(kind, f.value, out)
        last = f.id
    out.append(0)


def encode(fields: list[Field]) -> bytes:
    out = bytearray()
    _struct(fields, out)
    return bytes(out)


def get(fields: list[Field], field_id: int, default: Any = None) -> Any:
    """The value of field `field_id`, or default when absent."""
    return next((f.value for f in fields if f.id == field_id), default)


def put(fields: list[Field], field_id: int, kind: int, value: Any) -> list[Field]:
    """A copy of the struct with field `field_id` set (added in id order when absent)."""
    out = [f for f in fields if f.id != field_id] + [Field(field_id, kind, value)]
    return sorted(out, key=lambda f: f.id)
