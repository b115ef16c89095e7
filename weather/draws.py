"""Calendar-anchored random numbers: a draw depends on the seed, its stream and its calendar day.

The synthetic feeds (:mod:`weather.synthetic`) and the scenario generator draw every random
number here, so that a longer horizon sees the same days plus more, a later start sees the same
values on the days it shares, and scenario ``i`` is the same however many are drawn.

Streams
    A stream is one random variable of one thing, named by a tuple of labels: ``("temp-noise",
    "west-texas")`` or ``("scenario-price", 3, "rockdale")``. Its numbers come from a
    counter-based generator, :class:`numpy.random.Philox` (Salmon et al., "Parallel random
    numbers: as easy as 1, 2, 3", SC 2011). The key is drawn from
    ``numpy.random.SeedSequence(seed, spawn_key=(CALENDAR_STREAM, *labels))`` (text labels
    enter as their CRC-32); the counter is the calendar day: day ``d`` (UTC days since
    1970-01-01) owns the counters from ``(d + DAY_OFFSET) x blocks`` on, whatever day the
    horizon starts on and however long it is, so drawing days 10..13 gives the same words for
    day 12 as drawing days 12..40.
Values
    Every value takes a fixed number of its day's 64-bit words, so it keeps its place in the
    day: a uniform one word (its top 53 bits, as numpy's ``random()``), a pair of normals two
    (Box-Muller: the cosine and the sine), an exponential one (inverse distribution function),
    a gamma of integer shape ``k`` (Erlang) ``k``.
AR(1) with a calendar memory
    ``x_t = phi x_{t-1} + e_t`` cannot start from a state drawn at the horizon start without
    making the path depend on the start. :func:`ar1` instead gives each day the AR(1) started
    from zero :func:`ar1_memory_days` days before it: a function of the calendar alone whose
    weights are the AR(1)'s own, ``phi^k``, up to ``k`` at least ``per_day x memory`` steps, where
    ``phi^k`` has fallen below :data:`AR1_FORGET`. Its marginal variance is the stationary one to
    a relative ``1e-18``.

Every step is elementwise or a sequential sum, so the same inputs give the same bits whatever
the length of the arrays they sit in.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Days added to the day number so that every counter is positive (pandas timestamps start in
#: 1677, 106,752 days before 1970) [d].
DAY_OFFSET = 1 << 20
#: Philox4x64 gives four 64-bit words per counter value [-].
WORDS_PER_BLOCK = 4
#: First spawn-key word of every calendar stream, so that no other stream of the same seed
#: (the Monte Carlo failure streams, say) can share a key with one.
CALENDAR_STREAM = 0x43414C
#: Weight below which an AR(1) forgets a past shock [-].
AR1_FORGET = 1e-9
#: Nanoseconds in an hour and in a day.
NS_PER_HOUR, NS_PER_DAY = 3_600 * 10**9, 86_400 * 10**9

Stream = Sequence[str | int]
"""Labels naming a stream: text or integers >= 0."""
Draw = Callable[[int, Stream, int, int, int], np.ndarray]
"""``draw(seed, stream, first_day, n_days, per_day)``: ``(n_days, per_day)`` values."""


def day_number(t: pd.Timestamp) -> int:
    """UTC calendar day of ``t`` as days since 1970-01-01 (naive times are UTC) [d]."""
    return int(pd.Timestamp(t).value // NS_PER_DAY)


def day_dates(first_day: int, n_days: int) -> pd.DatetimeIndex:
    """Midnight UTC of ``n_days`` calendar days from day number ``first_day``."""
    return pd.date_range(pd.Timestamp(first_day * NS_PER_DAY, tz="UTC"), periods=n_days)


@dataclass(frozen=True)
class Hours:
    """Consecutive hours on the calendar: the UTC days they touch and where they begin.

    Attributes
    ----------
    first_day
        Day number of the first hour's UTC day (:func:`day_number`) [d].
    n_days
        UTC days the hours touch [d].
    first_hour
        UTC hour of day of the first hour [h].
    count
        Number of hours [h].
    """

    first_day: int
    n_days: int
    first_hour: int
    count: int

    @classmethod
    def of(cls, times: pd.DatetimeIndex) -> Hours:
        """The calendar place of ``times``, consecutive hourly interval starts.

        Raises
        ------
        ValueError
            ``times`` are not consecutive whole hours.
        """
        first, last = times[0].value // NS_PER_HOUR, times[-1].value // NS_PER_HOUR
        if last - first + 1 != len(times) or times[0].value % NS_PER_HOUR:
            raise ValueError(
                f"times: must be consecutive whole hours, got {len(times)} from {times[0]} to "
                f"{times[-1]}"
            )
        return cls(first // 24, last // 24 - first // 24 + 1, first % 24, len(times))

    @property
    def day(self) -> np.ndarray:
        """Each hour's UTC day, counted from :attr:`first_day` [d]."""
        return (self.first_hour + np.arange(self.count)) // 24

    def take(self, days: np.ndarray) -> np.ndarray:
        """The hours' values out of ``(..., n_days, 24)`` day rows: ``(..., count)``."""
        flat = days.reshape(*days.shape[:-2], -1)
        return flat[..., self.first_hour : self.first_hour + self.count]


def words(seed: int, stream: Stream, first_day: int, n_days: int, per_day: int) -> np.ndarray:
    """The raw 64-bit words of ``n_days`` calendar days of one stream, ``(n_days, per_day)``.

    Parameters
    ----------
    seed
        Seed of every draw, >= 0.
    stream
        Labels naming the stream.
    first_day
        Day number of the first day (:func:`day_number`) [d].
    n_days
        Number of days, >= 0.
    per_day
        Words each day holds.

    Returns
    -------
    numpy.ndarray
        ``uint64``; row ``i`` is the same for every call that covers day ``first_day + i``.
    """
    labels = tuple(zlib.crc32(x.encode()) if isinstance(x, str) else int(x) for x in stream)
    spawn_key = (CALENDAR_STREAM, *labels)
    key = np.random.SeedSequence(seed, spawn_key=spawn_key).generate_state(2, np.uint64)
    blocks = -(-per_day // WORDS_PER_BLOCK)
    philox = np.random.Philox(key=key, counter=(first_day + DAY_OFFSET) * blocks)
    raw = philox.random_raw(n_days * blocks * WORDS_PER_BLOCK)
    return np.asarray(raw).reshape(n_days, blocks * WORDS_PER_BLOCK)[:, :per_day]


def _unit(w: np.ndarray) -> np.ndarray:
    """Uniform on [0, 1) from the top 53 bits of each word."""
    return (w >> np.uint64(11)).astype(float) * 2.0**-53


def uniform(seed: int, stream: Stream, first_day: int, n_days: int, per_day: int) -> np.ndarray:
    """Uniform numbers on [0, 1), ``(n_days, per_day)``; see :func:`words` for the arguments."""
    return _unit(words(seed, stream, first_day, n_days, per_day))


def normal(seed: int, stream: Stream, first_day: int, n_days: int, per_day: int) -> np.ndarray:
    """Standard normal numbers, ``(n_days, per_day)``; see :func:`words` for the arguments.

    Box-Muller: words ``2k`` and ``2k + 1`` of a day give values ``2k`` (cosine) and ``2k + 1``
    (sine).
    """
    pairs = -(-per_day // 2)
    u = _unit(words(seed, stream, first_day, n_days, 2 * pairs))
    return _box_muller(u)[:, :per_day]


def _box_muller(u: np.ndarray) -> np.ndarray:
    """Normals from uniforms paired along the last axis: ``(2k, 2k + 1)`` give the cosine and
    the sine value of pair ``k``."""
    radius = np.sqrt(-2.0 * np.log1p(-u[..., 0::2]))
    angle = 2.0 * np.pi * u[..., 1::2]
    out = np.empty(u.shape)
    out[..., 0::2] = radius * np.cos(angle)
    out[..., 1::2] = radius * np.sin(angle)
    return out


def exponential(seed: int, stream: Stream, first_day: int, n_days: int, per_day: int) -> np.ndarray:
    """Exponential numbers of mean 1, ``(n_days, per_day)``; see :func:`words`."""
    return -np.log1p(-uniform(seed, stream, first_day, n_days, per_day))


def erlang(
    seed: int, stream: Stream, first_day: int, n_days: int, per_day: int, shape: int
) -> np.ndarray:
    """Gamma numbers of integer ``shape`` and scale 1, ``(n_days, per_day)``; see :func:`words`
    for the other arguments.

    A sum of ``shape`` exponentials, ``-ln(1 - u_1) - ... = -ln((1 - u_1) ...)``: one logarithm
    of the product.
    """
    if shape < 1 or shape != int(shape):
        raise ValueError(f"shape: must be an integer >= 1, got {shape}")
    u = uniform(seed, stream, first_day, n_days, per_day * shape)
    product = 1.0 - u[:, 0::shape]
    for k in range(1, shape):
        product *= 1.0 - u[:, k::shape]
    return -np.log(product)


def per_hour(draw: Draw, seed: int, stream: Stream, hours: Hours) -> np.ndarray:
    """One value of ``draw`` for each of the ``hours``: the one its UTC day holds at that hour.

    Returns
    -------
    numpy.ndarray
        ``(hours.count,)``.
    """
    return hours.take(draw(seed, stream, hours.first_day, hours.n_days, 24))


def at_hours(draw: Draw, seed: int, stream: Stream, hours: Hours, which: np.ndarray) -> np.ndarray:
    """:func:`per_hour`'s values at positions ``which`` of the hours, drawing only their days."""
    absolute = hours.first_hour + np.asarray(which, dtype=int)
    out = np.empty(len(absolute))
    for day in np.unique(absolute // 24):
        mine = absolute // 24 == day
        row = draw(seed, stream, hours.first_day + int(day), 1, 24)[0]
        out[mine] = row[absolute[mine] % 24]
    return out


def ar1_memory_days(phi: float, per_day: int = 1) -> int:
    """Days of shocks before a day that :func:`ar1` needs.

    The fewest days with ``phi^(per_day x days) <= AR1_FORGET``: 73 for a daily 0.75, 9 for an
    hourly 0.9.
    """
    if not 0.0 <= phi < 1.0:
        raise ValueError(f"phi: must be in [0, 1), got {phi}")
    if phi == 0.0:
        return 0
    return math.ceil(math.log(AR1_FORGET) / (per_day * math.log(phi)))


def ar1(shocks: np.ndarray, phi: float, memory_days: int) -> np.ndarray:
    """An AR(1) ``x_t = phi x_{t-1} + e_t`` with each day's values a function of the calendar.

    Each day's values are those of the recursion started from ``x = 0`` at the first step
    ``memory_days`` days before the day, so they depend on that day's and the earlier days'
    shocks alone, not on where the array starts.

    Parameters
    ----------
    shocks
        Innovations ``e``, ``(..., memory_days + n_days, per_day)``: the steps of each day along
        the last axis, the days before it.
    phi
        Persistence per step [-].
    memory_days
        Leading days of ``shocks`` used only as memory (:func:`ar1_memory_days`).

    Returns
    -------
    numpy.ndarray
        ``(..., n_days, per_day)``.
    """
    per_day = shocks.shape[-1]
    within = shocks.astype(float, copy=True)  # each day's own shocks, from 0 at its first step
    for h in range(1, per_day):
        within[..., h] += phi * within[..., h - 1]
    day_end = within[..., -1]
    n_days = shocks.shape[-2] - memory_days
    carry = phi**per_day
    state = np.zeros((*shocks.shape[:-2], n_days))  # x at the end of the day before
    for lag in range(memory_days):
        state += carry**lag * day_end[..., memory_days - 1 - lag : memory_days - 1 - lag + n_days]
    steps = phi ** np.arange(1, per_day + 1)
    return within[..., memory_days:, :] + state[..., None] * steps


def ar1_normal(
    seed: int, streams: Sequence[Stream], first_day: int, n_days: int, per_day: int, phi: float
) -> np.ndarray:
    """Stationary Gaussian AR(1)s of marginal standard deviation 1, one per stream and one step
    per value, on ``n_days`` calendar days.

    Their shocks, ``sqrt(1 - phi^2) z`` with ``z`` the stream's :func:`normal` numbers, start
    :func:`ar1_memory_days` days before ``first_day``; see :func:`words` for the arguments.

    Returns
    -------
    numpy.ndarray
        ``(len(streams), n_days, per_day)``.
    """
    memory = ar1_memory_days(phi, per_day)
    pairs = -(-per_day // 2)
    raw = [words(seed, s, first_day - memory, n_days + memory, 2 * pairs) for s in streams]
    # every stream's normals in one pass: the same values as normal() of each stream
    z = _box_muller(_unit(np.array(raw)))[..., :per_day]
    z = z.reshape(len(streams), memory + n_days, per_day)
    return ar1(math.sqrt(1.0 - phi**2) * z, phi, memory)
