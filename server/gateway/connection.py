"""One WebSocket connection: hello within the time limit, then the message loop."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.types import Message, Receive, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import strict_json
from ..protocol import MAX_PROTOCOL_ERRORS, CloseCode, ErrorCode, error
from ..session.messages import (
    Answer,
    Back,
    Draft,
    HandshakeError,
    Hello,
    Ping,
    ProtocolError,
    SetAudioMode,
    SetLanguage,
    VoiceAnswer,
    decode_frame,
    parse_hello,
    parse_message,
)
from ..session.views import current_view, welcome_message
from ..store import StorageUnavailable
from .handshake import establish
from .limits import TokenBucket
from .live import LiveSession, SessionEnded, Superseded

if TYPE_CHECKING:
    from .service import Gateway

logger = logging.getLogger(__name__)

# What the socket raises when the client has gone (or the socket is already closed):
# Starlette's disconnect exceptions, uvicorn's ClientDisconnected (an OSError), and the
# RuntimeError uvicorn raises for a send after the client's close frame. Only socket calls
# are wrapped, so a RuntimeError anywhere else is a bug, logged and closed with 1011.
_SOCKET_GONE = (WebSocketDisconnect, RuntimeError, OSError)


class ClientGone(Exception):
    """The client went away (or the socket was closed) during a socket call."""


# Rate-limited messages in a row before the connection is closed with 4429.
MAX_RATE_STRIKES = 20
# For the messages counter: the wire name of each parsed message's class.
TYPE_NAMES: dict[type, str] = {
    Answer: "answer", VoiceAnswer: "voice_answer", Back: "back",
    SetAudioMode: "set_audio_mode", SetLanguage: "set_language", Draft: "draft", Ping: "ping",
}


class Connection:
    """`websocket` accepts and closes; the messages go through the ASGI `receive` and `send`
    themselves, without Starlette's state checks around every one of them."""

    def __init__(
        self, websocket: WebSocket, receive: Receive, send: Send, gateway: Gateway,
        budget: TokenBucket, address: str = "unknown",
    ) -> None:
        self.ws = websocket
        self._receive = receive
        self._send = send
        self.address = address
        self.gateway = gateway
        self.address_budget = budget  # shared by every connection from this address
        self.protocol_errors = 0
        self.closed = False
        self.live: LiveSession | None = None
        self.metrics = gateway.metrics

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "error":
            errors = self.metrics.errors
            errors[message["code"]] = errors.get(message["code"], 0) + 1
        text = strict_json.dumps(message)
        try:
            await self._send({"type": "websocket.send", "text": text})
        except _SOCKET_GONE as exc:
            raise ClientGone from exc

    async def receive(self) -> Message:
        try:
            return await self._receive()
        except _SOCKET_GONE as exc:
            raise ClientGone from exc

    async def close(self, code: int, reply: dict[str, Any] | None = None) -> None:
        """Close once; `reply` is sent first (the error that says why)."""
        if not self.closed:
            self.closed = True
            if code == CloseCode.SUPERSEDED:  # every takeover path closes through here
                self.metrics.sessions_superseded += 1
            if reply is not None:
                try:
                    await self.send(reply)
                except ClientGone:
                    pass
            try:
                await self.ws.close(code)
            except _SOCKET_GONE as exc:
                raise ClientGone from exc

    async def protocol_error(self, exc: ProtocolError) -> bool:
        """Answer a protocol error; False once there have been too many."""
        await self.send(exc.reply())
        self.protocol_errors += 1
        if self.protocol_errors >= MAX_PROTOCOL_ERRORS:
            await self.close(CloseCode.BAD_HANDSHAKE)
            return False
        return True

    async def shut_down(self) -> None:
        """Server shutdown: save the session, then close with 1001 (reconnect later)."""
        if self.live is not None:
            await self.live.release(CloseCode.GOING_AWAY)
        else:
            try:
                await self.close(CloseCode.GOING_AWAY)
            except ClientGone:
                pass

    async def run(self) -> None:
        try:
            hello = await self.receive_hello()
            if hello is None:
                return
            self.live = await self.start_session(hello)
            if self.live is not None:
                await self.message_loop(self.live)
        except ClientGone:
            pass  # the client went away mid-send
        except Exception:
            logger.exception("connection failed")
            try:
                await self.close(CloseCode.INTERNAL_ERROR)
            except ClientGone:
                pass
        finally:
            if self.live is not None:
                self.gateway.registry.remove(self.live)
                await self.live.release()
                # The live session holds self.close: drop the cycle, so reference counting
                # frees this connection, and uvicorn's objects with it, the moment it ends.
                # Left to the cyclic collector, they piled up into pauses of tens of ms.
                self.live = None

    async def receive_hello(self) -> Hello | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.gateway.settings.hello_timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    frame = await self.receive()
            except TimeoutError:
                await self.close(CloseCode.HELLO_TIMEOUT)
                return None
            if frame["type"] == "websocket.disconnect":
                return None
            try:
                hello = parse_hello(decode_frame(frame.get("text")))
                self.metrics.messages["hello"] += 1
                return hello
            except HandshakeError as exc:
                await self.send(exc.reply())
                await self.close(exc.close_code)
                return None
            except ProtocolError as exc:
                self.metrics.messages["invalid"] += 1
                if not await self.protocol_error(exc):
                    return None

    async def start_session(self, hello: Hello) -> LiveSession | None:
        gateway = self.gateway
        user_agent = self.ws.headers.get("user-agent", "")[:256]
        try:
            established = await establish(
                hello, gateway.catalog, gateway.store, gateway.registry, self.close,
                {"user_agent": user_agent} if user_agent else {}, gateway.admission(self.address),
            )
        except HandshakeError as exc:
            await self.send(exc.reply())
            await self.close(exc.close_code)
            return None
        except StorageUnavailable:
            await self.send(error(ErrorCode.STORAGE_UNAVAILABLE, "Please try again shortly."))
            await self.close(CloseCode.INTERNAL_ERROR)
            return None
        # Known before anything is sent, so a send that fails still releases the session.
        live = self.live = established.live
        if established.resumed:
            self.metrics.sessions_resumed += 1
        else:
            self.metrics.sessions_created += 1
        welcome = welcome_message(
            live.survey, live.state, resumed=established.resumed, token=established.token
        )
        await self.send(welcome)
        await self.send(current_view(live.survey, live.state, None))
        return live

    async def message_loop(self, live: LiveSession) -> None:
        settings = self.gateway.settings
        bucket = TokenBucket(settings.rate_limit, settings.rate_burst)
        strikes = 0
        metrics = self.metrics
        counts = metrics.messages
        while True:
            frame = await self.receive()
            received = time.perf_counter()
            if frame["type"] == "websocket.disconnect":
                return
            if not (bucket.take() and self.address_budget.take()):
                strikes += 1
                await self.send(error(ErrorCode.RATE_LIMITED, "Too many messages; slow down."))
                if strikes >= MAX_RATE_STRIKES:
                    await self.close(CloseCode.RATE_LIMITED)
                    return
                continue
            strikes = 0
            try:
                message = parse_message(
                    decode_frame(frame.get("text")), settings.max_transcript_chars
                )
                counts[TYPE_NAMES[type(message)]] += 1
                if isinstance(message, Ping):
                    await self.send({"type": "pong"})
                    continue
                was_completed = live.state.completed
                replies = await live.apply(message)
            except ProtocolError as exc:
                counts["invalid"] += 1
                if not await self.protocol_error(exc):
                    return
                continue
            except Superseded:
                await self.close(CloseCode.SUPERSEDED)
                return
            except SessionEnded as exc:
                await self.close(exc.close_code, exc.reply)
                return
            for reply in replies:
                await self.send(reply)
            if live.state.completed and not was_completed:
                metrics.sessions_completed += 1
            if replies and replies[-1].get("ack") is not None:  # an ack: its latency
                metrics.ack_latency.observe(time.perf_counter() - received)
