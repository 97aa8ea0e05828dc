"""Dashboard building blocks: big readouts, the alert banner, the left/right balance bar."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

BG = "#14171c"
PANEL = "#1e232b"
FG = "#e8ecf1"
DIM = "#8b95a3"
LEFT_COLOR = "#4aa3ff"
RIGHT_COLOR = "#ff9f43"
STATE_COLORS = {  # state: (background, foreground)
    "idle": ("#2a3039", DIM),
    "ok": ("#123d27", "#5cf29a"),
    "warning": ("#4a3b0c", "#ffd54a"),
    "alert": ("#5a1414", "#ff6b6b"),
}


def _font(px: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(px)
    f.setBold(bold)
    return f


class BigReadout(QFrame):
    """A number to read at arm's length: title, huge value, unit, and a line against the limit."""

    def __init__(self, title: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "idle"
        self.title = QLabel(title.upper())
        self.value = QLabel("--")
        self.unit = QLabel(unit)
        self.detail = QLabel("")
        self.title.setFont(_font(20, True))
        self.value.setFont(_font(120, True))
        self.unit.setFont(_font(24))
        self.detail.setFont(_font(24, True))
        for w in (self.title, self.unit, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 10)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.value, 1)
        lay.addWidget(self.unit)
        lay.addWidget(self.detail)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.set_state("idle")

    def set_value(self, text: str, detail: str, state: str) -> None:
        if self.value.text() != text:
            self.value.setText(text)
        if self.detail.text() != detail:
            self.detail.setText(detail)
        self.set_state(state)

    def set_state(self, state: str) -> None:
        if state == self.state and self.styleSheet():
            return
        self.state = state
        bg, fg = STATE_COLORS[state]
        self.setStyleSheet(
            f"BigReadout {{ background: {bg}; border-radius: 14px; border: 3px solid {fg}; }}"
            f"QLabel {{ color: {fg}; background: transparent; border: none; }}"
        )
        self.title.setStyleSheet(f"color: {FG};")
        self.unit.setStyleSheet(f"color: {FG};")


class AlertBanner(QLabel):
    """A full-width strip: the active alert(s) in large letters, or a quiet status line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(_font(30, True))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(56)
        self.show_message("", "idle")

    def show_message(self, text: str, state: str) -> None:
        bg, fg = STATE_COLORS[state] if state != "idle" else (PANEL, DIM)
        if state == "ok":
            bg, fg = PANEL, STATE_COLORS["ok"][1]
        if text != self.text():
            self.setText(text)
        style = f"background: {bg}; color: {fg}; border-radius: 10px; padding: 4px;"
        if style != self.styleSheet():
            self.setStyleSheet(style)


class BalanceBar(QWidget):
    """Left/right balance: share of step time on each foot (%), 50/50 in the middle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left_pct = math.nan
        self.setMinimumHeight(34)

    def set_left_pct(self, pct: float) -> None:
        if pct != self.left_pct and not (math.isnan(pct) and math.isnan(self.left_pct)):
            self.left_pct = pct
            self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2a3039"))
        p.drawRoundedRect(r, 6, 6)
        p.setFont(_font(16, True))
        if math.isnan(self.left_pct):
            p.setPen(QColor(DIM))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "L / R  --")
            return
        split = r.left() + r.width() * self.left_pct / 100.0
        p.setBrush(QColor(LEFT_COLOR))
        p.drawRoundedRect(QRectF(r.left(), r.top(), split - r.left(), r.height()), 6, 6)
        p.setBrush(QColor(RIGHT_COLOR))
        p.drawRoundedRect(QRectF(split, r.top(), r.right() - split, r.height()), 6, 6)
        p.setPen(QColor("#ffffff"))
        p.drawLine(int(r.center().x()), int(r.top()), int(r.center().x()), int(r.bottom()))
        p.setPen(QColor("#0b0d10"))
        p.drawText(r.adjusted(8, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   f"L {self.left_pct:.1f}%")
        p.drawText(r.adjusted(0, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                   f"{100 - self.left_pct:.1f}% R")


class InfoLabel(QLabel):
    """A small "name  value" line of the side panel."""

    def __init__(self, parent: QWidget | None = None, px: int = 18) -> None:
        super().__init__(parent)
        self.setFont(_font(px))
        self.setStyleSheet(f"color: {FG};")
        self.setTextFormat(Qt.TextFormat.RichText)

    def set(self, name: str, value: str, color: str = FG) -> None:
        html = f"<span style='color:{DIM}'>{name}</span>&nbsp;&nbsp;<b style='color:{color}'>{value}</b>"
        if html != self.text():
            self.setText(html)
