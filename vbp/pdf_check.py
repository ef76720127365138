"""Whether a PDF can act: scripts, launching programs, embedded files, forms that send data.

A proof is read in the browser's PDF viewer, which runs a PDF's JavaScript. We keep only
PDFs that cannot act: a PDF naming any active feature is refused at upload and, if one
is already stored, served only as a download. Names are read as the viewer reads them
(``#xx`` escapes undone), also inside compressed object streams; an encrypted PDF, or an
object stream we cannot open, cannot be checked and so is refused too.
"""

from __future__ import annotations

import re
import zlib

# Name tokens of actions and features that run or fetch something.
ACTIVE = re.compile(
    rb"/(JS|JavaScript|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|GoToE|Sound|Movie)"
    rb"(?=[\s()<>\[\]{}/%]|$)"
)
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
STREAM_START = re.compile(rb"stream\r?\n")
MAX_INFLATED = 64 * 1024 * 1024  # in all the streams of one file: more is refused as unreadable


def active_content(data: bytes) -> str | None:
    """What makes this PDF active or uncheckable, in the user's words; None if it is a plain document."""
    if re.search(rb"/Encrypt\b", _unescaped(data)):
        return "PDF 文件已加密，无法检查其内容"
    found = _active_name(data)
    if found:
        return found
    budget = MAX_INFLATED
    for dictionary, body in _streams(data):
        filters = set(re.findall(rb"/(\w+Decode|Crypt)\b", dictionary))
        object_stream = b"/ObjStm" in dictionary
        if not filters:
            inflated = body
        elif filters == {b"FlateDecode"}:
            inflated = _inflate(body, budget)
            if inflated is None:
                if object_stream:
                    return "PDF 文件的对象流无法读取，无法检查其内容"
                continue  # a broken content stream can run nothing
            budget -= len(inflated)
        elif object_stream:
            return "PDF 文件的对象流采用了无法检查的编码"
        else:
            continue  # images and fonts in other encodings hold no actions
        found = _active_name(inflated)
        if found:
            return found
    return None


def _active_name(data: bytes) -> str | None:
    match = ACTIVE.search(_unescaped(data))
    return f"PDF 文件含有可执行或外部内容（{match.group(1).decode()}）" if match else None


def _unescaped(data: bytes) -> bytes:
    return NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def _streams(data: bytes):
    """(dictionary, raw body) of each stream: the dictionary is the text from its object's start to ``stream``."""
    starts = [match.start() for match in OBJECT.finditer(data)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        chunk = data[start:end]
        opened = STREAM_START.search(chunk)
        if opened is None:
            continue
        closed = chunk.rfind(b"endstream")
        body = chunk[opened.end() : closed if closed > opened.end() else len(chunk)]
        yield chunk[: opened.start()], body


def _inflate(body: bytes, budget: int) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(body, max(budget, 0) + 1)
    except zlib.error:
        return None
    return None if len(inflated) > budget else inflated
