"""Chart geometry for server-rendered SVG: price candles (OHLC from deals) and book depth.

Called by the market views; the templates only place the shapes computed here, so the charts
need no JavaScript and read the same with or without it.
"""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 600, 180, 4
BUCKETS = (60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400)
MAX_CANDLES = 40


@dataclass
class Candle:
    start: int
    open: int
    high: int
    low: int
    close: int
    volume: int
    x: float = 0
    width: float = 0
    wick_top: float = 0
    wick_bottom: float = 0
    body_top: float = 0
    body_height: float = 0

    @property
    def up(self) -> bool:
        return self.close >= self.open

    @property
    def center(self) -> float:
        return self.x + self.width / 2


def _scale(value: int, low: int, high: int) -> float:
    if high == low:
        return HEIGHT / 2
    return PAD + (HEIGHT - 2 * PAD) * (1 - (value - low) / (high - low))


def candles(points: list[tuple[int, int, int]]) -> dict | None:
    """OHLC candles of (unix time, price, volume) points in time order, bucketed so that at
    most MAX_CANDLES come out; None without points."""
    if not points:
        return None
    span = points[-1][0] - points[0][0]
    size = next((b for b in BUCKETS if span / b <= MAX_CANDLES), BUCKETS[-1])
    result: list[Candle] = []
    for time, price, volume in points:
        start = time - time % size
        if result and result[-1].start == start:
            c = result[-1]
            c.high, c.low, c.close = max(c.high, price), min(c.low, price), price
            c.volume += volume
        else:
            result.append(Candle(start, price, price, price, price, volume))
    low = min(c.low for c in result)
    high = max(c.high for c in result)
    step = WIDTH / max(len(result), 1)
    for i, c in enumerate(result):
        c.width = step * 0.6
        c.x = i * step + step * 0.2
        c.wick_top, c.wick_bottom = _scale(c.high, low, high), _scale(c.low, low, high)
        top = _scale(max(c.open, c.close), low, high)
        c.body_top, c.body_height = top, max(1.0, _scale(min(c.open, c.close), low, high) - top)
    return {
        "candles": result,
        "low": low,
        "high": high,
        "bucket_seconds": size,
        "width": WIDTH,
        "height": HEIGHT,
    }


def depth_chart(*, asks: list[dict], bids: list[dict]) -> dict | None:
    """Cumulative volume by price: bids left of the spread, asks right, as two step paths."""
    if not asks and not bids:
        return None
    prices = [lvl["price"] for lvl in asks + bids]
    low, high = min(prices), max(prices)
    top = max([lvl["cumulative"] for lvl in asks + bids])

    def x(price: int) -> float:
        return WIDTH / 2 if high == low else PAD + (WIDTH - 2 * PAD) * (price - low) / (high - low)

    def y(volume: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * volume / top

    def path(levels: list[dict]) -> str:
        if not levels:
            return ""
        points = [f"M{x(levels[0]['price']):.1f},{HEIGHT - PAD}"]
        for lvl in levels:
            points.append(f"L{x(lvl['price']):.1f},{y(lvl['cumulative']):.1f}")
        points.append(f"L{x(levels[-1]['price']):.1f},{HEIGHT - PAD}Z")
        return " ".join(points)

    return {
        "asks": path(asks),
        "bids": path(bids),
        "low": low,
        "high": high,
        "top": top,
        "width": WIDTH,
        "height": HEIGHT,
    }
