"""Decoding client frames into typed messages, or the protocol error they deserve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import strict_json, wellformed
from ..protocol import PROTOCOL_VERSION, USER_ID_PATTERN, CloseCode, ErrorCode


class ProtocolError(Exception):
    """A frame that cannot be processed; consumes no seq."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def reply(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "error", "code": self.code.value, "message": self.message, "ack": None,
        }
        if self.field is not None:
            body["field"] = self.field
        return body


class HandshakeError(ProtocolError):
    """A refused hello: the error is sent, then the socket closes with `close_code`."""

    def __init__(
        self, code: ErrorCode, message: str, close_code: CloseCode, field: str | None = None
    ) -> None:
        super().__init__(code, message, field)
        self.close_code = close_code


@dataclass(frozen=True, slots=True)
class Hello:
    survey: str | None
    user_id: str | None
    token: str | None
    # The respondent's preferred languages, like Accept-Language ("fr-CA,fr;q=0.9,en").
    language: str | None = None
    # A signed link's signature (surveys with access: link).
    sig: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    seq: int
    step: str
    value: Any


@dataclass(frozen=True, slots=True)
class VoiceAnswer:
    seq: int
    step: str
    transcript: str  # at most the length cap: an overlong one is cut, and flagged
    overlong: bool = False


@dataclass(frozen=True, slots=True)
class Back:
    seq: int


@dataclass(frozen=True, slots=True)
class SetAudioMode:
    seq: int
    enabled: bool


@dataclass(frozen=True, slots=True)
class SetLanguage:
    seq: int
    language: str


@dataclass(frozen=True, slots=True)
class Draft:
    step: str
    value: Any


@dataclass(frozen=True, slots=True)
class Ping:
    pass


SeqMessage = Answer | VoiceAnswer | Back | SetAudioMode | SetLanguage
Message = SeqMessage | Draft | Ping

# PROTOCOL.md: JSON nested deeper than this is bad_json.
MAX_DEPTH = 32

KNOWN_TYPES = (
    "hello", "answer", "voice_answer", "back", "set_audio_mode", "set_language", "draft", "ping",
)
MAX_LANGUAGE_LENGTH = 512


def decode_frame(text: str | None) -> dict[str, Any]:
    """One JSON object per text frame; NaN and Infinity are not JSON, nor deep nesting.

    Text must be well-formed: a lone surrogate is `bad_message`, except in an answer's
    `value`, which the state machine refuses as `invalid_answer` (PROTOCOL.md).
    """
    if text is None:
        raise ProtocolError(ErrorCode.BAD_JSON, "Frames must be text holding one JSON object.")
    try:
        obj = strict_json.loads(text)
    except strict_json.TooDeep:
        raise ProtocolError(
            ErrorCode.BAD_JSON, f"JSON may nest at most {MAX_DEPTH} levels deep."
        ) from None
    except ValueError:
        raise ProtocolError(ErrorCode.BAD_JSON, "The frame is not valid JSON.") from None
    if not isinstance(obj, dict):
        raise ProtocolError(ErrorCode.BAD_JSON, "The frame must hold a JSON object.")
    if strict_json.may_be_deeper(text, MAX_DEPTH) and strict_json.deeper_than(obj, MAX_DEPTH):
        raise ProtocolError(ErrorCode.BAD_JSON, f"JSON may nest at most {MAX_DEPTH} levels deep.")
    if wellformed.may_hold_surrogates(text) and wellformed.holds_surrogates(obj):
        _refuse_surrogates(obj)
    return obj


def _refuse_surrogates(obj: dict[str, Any]) -> None:
    for key, value in obj.items():
        if not wellformed.is_well_formed(key):
            raise ProtocolError(ErrorCode.BAD_MESSAGE, "A field name is not valid Unicode.")
        if key == "value" and obj.get("type") == "answer":
            continue  # the answer is processed, and refused, by the state machine
        if wellformed.holds_surrogates(value):
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE,
                f"'{key}' holds text that is not valid Unicode (a lone surrogate).",
                key,
            )


def message_type(obj: dict[str, Any]) -> str:
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "Every message needs a string 'type'.", "type")
    if kind not in KNOWN_TYPES:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"Unknown message type '{kind[:64]}'.")
    return kind


# What one spoken answer can reasonably hold; matching longer ones costs event-loop time.
MAX_TRANSCRIPT = 500


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    if name not in obj:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"'{name}' is missing.", name)
    value = obj[name]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"'{name}' must be {what}.", name)
    return value


def _seq(obj: dict[str, Any]) -> int:
    seq: int = _field(obj, "seq", int, "a positive integer")
    if seq < 1:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "'seq' must be a positive integer.", "seq")
    return seq


def _voice_answer(obj: dict[str, Any], max_transcript: int) -> VoiceAnswer:
    seq, step = _seq(obj), _field(obj, "step", str, "a step id")
    transcript: str = _field(obj, "transcript", str, "a string")
    # Too long to match: kept short, and refused as invalid_answer, which takes its seq
    # like any refused answer, so the page's queue moves on and the respondent can retry.
    if len(transcript) > max_transcript:
        return VoiceAnswer(seq, step, transcript[:max_transcript], overlong=True)
    return VoiceAnswer(seq, step, transcript)


def _present(obj: dict[str, Any], name: str) -> Any:
    if name not in obj:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"'{name}' is missing.", name)
    return obj[name]


def parse_message(obj: dict[str, Any], max_transcript: int = MAX_TRANSCRIPT) -> Message:
    """A message after the handshake (a second hello is `already_hello`)."""
    kind = message_type(obj)
    if kind == "answer":
        return Answer(_seq(obj), _field(obj, "step", str, "a step id"), _present(obj, "value"))
    if kind == "back":
        return Back(_seq(obj))
    if kind == "set_audio_mode":
        return SetAudioMode(_seq(obj), _field(obj, "enabled", bool, "true or false"))
    if kind == "set_language":
        language: str = _field(obj, "language", str, "a language tag")
        if len(language) > MAX_LANGUAGE_LENGTH:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, "'language' is too long.", "language")
        return SetLanguage(_seq(obj), language)
    if kind == "draft":
        return Draft(_field(obj, "step", str, "a step id"), _present(obj, "value"))
    if kind == "ping":
        return Ping()
    if kind == "voice_answer":
        return _voice_answer(obj, max_transcript)
    raise ProtocolError(ErrorCode.ALREADY_HELLO, "The handshake is already done.")


def parse_hello(obj: dict[str, Any]) -> Hello:
    """The first message. Checks run in PROTOCOL.md's order: shape, then user_id format."""
    if message_type(obj) != "hello":
        raise ProtocolError(ErrorCode.HELLO_REQUIRED, "Say hello first.")
    protocol = obj.get("protocol")
    if isinstance(protocol, bool) or protocol != PROTOCOL_VERSION:
        raise HandshakeError(
            ErrorCode.BAD_MESSAGE,
            f"Unsupported or missing protocol version; this server speaks {PROTOCOL_VERSION}.",
            CloseCode.BAD_HANDSHAKE,
            "protocol",
        )
    for name in ("survey", "token", "language", "sig"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise HandshakeError(
                ErrorCode.BAD_MESSAGE, f"'{name}' must be a string.", CloseCode.BAD_HANDSHAKE, name
            )
    user_id = obj.get("user_id")
    if user_id is not None and not (isinstance(user_id, str) and USER_ID_PATTERN.fullmatch(user_id)):
        raise HandshakeError(
            ErrorCode.INVALID_USER_ID,
            "user_id must be 1 to 128 characters from A-Z a-z 0-9 _ . : -",
            CloseCode.BAD_HANDSHAKE,
        )
    language = obj.get("language")
    if language is not None and len(language) > MAX_LANGUAGE_LENGTH:
        raise HandshakeError(ErrorCode.BAD_MESSAGE, "'language' is too long.",
                             CloseCode.BAD_HANDSHAKE, "language")
    return Hello(survey=obj.get("survey"), user_id=user_id, token=obj.get("token"),
                 language=language, sig=obj.get("sig"))
