"""Audible cues and the metronome — or nothing, with one warning, on a machine without audio.

Backends, first that works (``$STRIDEMON_AUDIO`` = ``qt`` | ``command`` | ``none`` forces one):

* ``qt``: ``QtMultimedia.QSoundEffect`` playing short generated WAV tones (full PySide6 only;
  PySide6-Essentials has no QtMultimedia);
* ``command``: ``paplay``/``aplay``/``afplay`` for tones and ``spd-say``/``espeak``/``say`` for spoken
  words, started without waiting, when the machine has an audio device;
* ``none``: the alerts stay visual; one warning is logged, nothing fails.

A cue that fails to play switches audio off (one warning) instead of raising into the UI.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

TONES = {  # name: (frequency Hz, duration s)
    "alert": (880.0, 0.35),
    "clear": (523.0, 0.2),
    "click": (1500.0, 0.03),
}


def write_tone(path: Path, freq_hz: float, dur_s: float, rate_hz: int = 22050) -> Path:
    """A mono 16-bit WAV sine tone with 5 ms fades."""
    n = int(dur_s * rate_hz)
    t = np.arange(n) / rate_hz
    y = np.sin(2 * np.pi * freq_hz * t)
    fade = min(int(0.005 * rate_hz), n // 2)
    if fade:
        ramp = np.linspace(0, 1, fade)
        y[:fade] *= ramp
        y[-fade:] *= ramp[::-1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes((0.6 * 32767 * y).astype("<i2").tobytes())
    return path


def has_audio_device() -> bool:
    """Best guess whether this machine can play sound (sound card, PulseAudio/PipeWire, macOS)."""
    if sys.platform in ("darwin", "win32"):
        return True
    if os.environ.get("PULSE_SERVER"):
        return True
    run = os.environ.get("XDG_RUNTIME_DIR")
    if run and (Path(run, "pulse", "native").exists() or Path(run, "pipewire-0").exists()):
        return True
    snd = Path("/dev/snd")
    return snd.is_dir() and any(p.name.startswith("pcm") and p.name.endswith("p") for p in snd.iterdir())


class Audio:
    """Plays alert cues, spoken messages and metronome clicks; never raises."""

    def __init__(self, enabled: bool = True, backend: str | None = None) -> None:
        self.enabled = enabled
        self.backend = "none"
        self.warning: str | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="stridemon-audio-"))
        self._files = {k: write_tone(self._dir / f"{k}.wav", *v) for k, v in TONES.items()}
        self._effects: dict = {}
        self._player: str | None = None
        self._speaker: str | None = None
        wanted = (backend or os.environ.get("STRIDEMON_AUDIO") or "auto").lower()
        for name in ("qt", "command") if wanted == "auto" else (wanted,):
            if name == "qt" and self._try_qt():
                self.backend = "qt"
                break
            if name == "command" and self._try_command():
                self.backend = "command"
                break
        if self.backend == "none":
            self._warn("no audio output found (no QtMultimedia, no sound device or player); alerts are visual only")

    @property
    def available(self) -> bool:
        return self.backend != "none"

    def _warn(self, msg: str) -> None:
        if self.warning is None:  # one warning per session
            self.warning = msg
            log.warning(msg)

    def _try_qt(self) -> bool:
        try:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError:
            return False
        try:
            if not QMediaDevices.audioOutputs():
                return False
            for k, f in self._files.items():
                e = QSoundEffect()
                e.setSource(QUrl.fromLocalFile(str(f)))
                self._effects[k] = e
            return True
        except Exception:
            return False

    def _try_command(self) -> bool:
        if not has_audio_device():
            return False
        self._player = next((p for p in ("paplay", "aplay", "afplay") if shutil.which(p)), None)
        self._speaker = next((p for p in ("spd-say", "espeak-ng", "espeak", "say") if shutil.which(p)), None)
        return self._player is not None

    def _run(self, argv: list[str]) -> None:
        subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def play(self, tone: str) -> None:
        """Play one of :data:`TONES` (``alert``, ``clear``, ``click``)."""
        if not self.enabled or self.backend == "none":
            return
        try:
            if self.backend == "qt":
                self._effects[tone].play()
            else:
                quiet = ["-q"] if self._player == "aplay" else []
                self._run([self._player, *quiet, str(self._files[tone])])
        except Exception as e:  # a broken device must not take the dashboard down
            self.backend = "none"
            self._warn(f"audio failed ({type(e).__name__}: {e}); alerts are visual only from now on")

    def say(self, text: str, tone: str = "alert") -> None:
        """Speak ``text`` where a speech engine exists, else play ``tone``."""
        if not self.enabled or self.backend == "none":
            return
        if self.backend == "command" and self._speaker:
            try:
                self._run([self._speaker, text])
                return
            except Exception:
                pass
        self.play(tone)
