"""PyInstaller runtime hook: litellm without its 45 MB Rust bridge (`litellm.rust_bridge._native`).

litellm imports the bridge at start-up but sends every call Headcount makes (chat completions, token
counting) through its Python path; the bridge serves routes the app never takes (OCR, Bedrock
transcription, the opt-in Anthropic messages API, its proxy's Redis and ClickHouse stores). This stand-in
has no bindings, so litellm's own fallback ("falling back to Python when Rust is unavailable") applies:
every function binding loads None, and `LITELLM_RUST` is set off. The classes litellm names at import
(its proxy's Redis stores import a dozen) resolve to stand-ins: exceptions are plain exceptions, any other
class refuses to be made, which litellm's callers already treat as "use Python".
"""

import os
import sys
import types

_EXCEPTION_SUFFIXES = ("Error", "Declined", "Started", "Forking", "Exception")


def _refuse(self: object, *args: object, **kwargs: object) -> None:
    raise RuntimeError(f"{type(self).__name__} needs litellm's Rust bridge, which this bundle leaves out")


class _NoBridge(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        if name[:1].isupper():
            body: dict[str, object] = {"__module__": self.__name__}
            if not name.endswith(_EXCEPTION_SUFFIXES):
                body["__init__"] = _refuse
            cls = type(name, (Exception,) if name.endswith(_EXCEPTION_SUFFIXES) else (), body)
            setattr(self, name, cls)
            return cls
        if name == "reserve_process_for_forking":  # read as a default argument at import; nothing to reserve
            return lambda *args, **kwargs: None
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r} (the bundle has no Rust bridge)")


os.environ["LITELLM_RUST"] = "false"  # opt-in routes stay on Python whatever the environment says
if "litellm.rust_bridge._native" not in sys.modules:
    sys.modules["litellm.rust_bridge._native"] = _NoBridge("litellm.rust_bridge._native")
