"""What every model-building step shares: the data, the Pyomo model and its matrix.

Also the arrays several constraint families need: which options move machines in and out of
which tier by when, the variables' upper bounds and the column numbers of the bulk variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyomo.environ as pyo

from planner.engine.optimization.data import ModelData
from planner.engine.optimization.matrix import ColumnBlock, Matrix


@dataclass(eq=False)
class Context:
    """What every model-building step needs: the data, the model and its matrix."""

    data: ModelData
    matrix: Matrix

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model."""
        return self.matrix.model

    def var(self, name: str) -> ColumnBlock:
        """The columns of one variable component."""
        return self.matrix.columns[name]

    @cached_property
    def moves(self) -> np.ndarray:
        """``B[k, t, o]``: +1 if option ``o`` adds machines to tier ``k`` by period ``t``, -1 if it
        takes them away (from period 0), ``(tiers, periods, options)`` [-]."""
        k, t, _ = self.data.shape
        out = np.zeros((k, t, len(self.data.options)))
        for o, opt in enumerate(self.data.options):
            out[opt.from_tier, :, o] -= 1.0
            out[opt.to_tier, opt.arrival_period :, o] += 1.0
        return out

    @cached_property
    def ship_upper(self) -> np.ndarray:
        """Most machines each option can move, ``(options,)`` [-]."""
        d = self.data
        return np.array(
            [min(d.installed[o.from_tier], d.route_caps[o.route]) for o in d.options], dtype=float
        )

    @cached_property
    def max_relocation_cost_usd(self) -> float:
        """Cost of moving every machine every option can move: a budget that never binds [USD]."""
        costs = np.array([o.cost_usd_per_machine for o in self.data.options])
        return float(self.ship_upper @ costs) if len(costs) else 0.0

    @cached_property
    def machines_upper(self) -> np.ndarray:
        """Most machines a tier can hold in each period, ``(tiers, periods)`` [-]."""
        arriving = np.clip(self.moves, 0.0, None) @ self.ship_upper if self.data.options else 0.0
        return self.data.installed[:, None] + arriving

    @cached_property
    def run_upper(self) -> np.ndarray:
        """Upper bound of ``run``, ``(tiers, periods, scenarios)`` [MW]."""
        d = self.data
        return d.availability * (d.power_mw[:, None] * self.machines_upper)[:, :, None]

    @cached_property
    def tier_labels(self) -> list[tuple[str, str]]:
        """``(site_id, model_id)`` of each tier."""
        return [(t.site_id, t.model_id) for t in self.data.tiers]

    @cached_property
    def option_labels(self) -> list[tuple[str, str, str]]:
        """``(from_site, to_site, model_id)`` of each option (``#route`` added if ambiguous)."""
        labels = [(o.from_site, o.to_site, o.model_id) for o in self.data.options]
        if len(set(labels)) < len(labels):
            labels = [
                (f"{a}#{o.route}", b, c)
                for (a, b, c), o in zip(labels, self.data.options, strict=True)
            ]
        return labels

    @cached_property
    def with_modes(self) -> np.ndarray:
        """Whether each tier's model lists power modes, ``(tiers,)``: its load is then the sum of
        its ``mode_run`` columns, and it has no ``run`` column."""
        return np.array([t.has_modes for t in self.data.tiers], dtype=bool)

    def run_cols(self) -> np.ndarray:
        """Column numbers of ``run``, ``(tiers, periods, scenarios)``; -1 where ``run`` is
        identically 0 and for tiers with power modes (no column: :meth:`load_columns`)."""
        return self.var("run").dense_cols()

    def load_columns(
        self, k: np.ndarray, t: np.ndarray, s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The columns whose sum is tier ``k[j]``'s IT load in period ``t[j]``, scenario
        ``s[j]``: its ``run`` column, or for a tier with power modes its ``mode_run`` columns.

        Returns
        -------
        position, column
            One entry per column: the ``j`` it belongs to and its number. A ``j`` whose load is
            identically 0 has none.
        """
        run = self.run_cols()[k, t, s]
        at = np.flatnonzero(run >= 0)
        positions, columns = [at], [run[at]]
        if self.data.modes:
            tier, _, _ = self.mode_arrays()
            cols = self.var("mode_run").dense_cols()
            for j, kk in enumerate(tier.tolist()):
                at = np.flatnonzero(k == kk)
                c = cols[j, t[at], s[at]]
                positions.append(at[c >= 0])
                columns.append(c[c >= 0])
        return np.concatenate(positions), np.concatenate(columns)

    def tier_load(self, values: np.ndarray) -> np.ndarray:
        """Each tier's IT load in a solution, ``(tiers, periods, scenarios)`` [MW].

        Parameters
        ----------
        values
            Column values, ``(columns,)``.
        """
        run = self.run_cols()
        load = np.where(run >= 0, values[np.maximum(run, 0)], 0.0)
        if self.data.modes:
            tier, _, _ = self.mode_arrays()
            cols = self.var("mode_run").dense_cols()
            for j, k in enumerate(tier.tolist()):
                load[k] += np.where(cols[j] >= 0, values[np.maximum(cols[j], 0)], 0.0)
        return load

    def ship_cols(self) -> np.ndarray:
        """Column numbers of ``ship``, ``(options,)``."""
        block = self.var("ship")
        return block.start + np.arange(block.size)

    def ppa_sites(self) -> list[int]:
        """Positions of the sites whose contract has a take-or-pay block (a PPA)."""
        return [i for i, s in enumerate(self.data.sites) if s.contract.block_mw > 0]

    def mode_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per hashing mode of :attr:`ModelData.modes`: its tier, share of nameplate power and
        EH/s per MW of IT load, ``(modes,)``."""
        d = self.data
        tier = np.array([k for k, _ in d.modes], dtype=int)
        share = np.array([d.tiers[k].power_share[m] for k, m in d.modes])
        hashes = np.array([d.tiers[k].hash_share[m] for k, m in d.modes])
        eh = d.eh_s_per_mw[tier] * hashes / share if len(tier) else share
        return tier, share, eh

    def hash_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The columns whose load makes hashrate, and their EH/s per MW: ``run`` for tiers
        without power modes, ``mode_run`` for tiers with them.

        Returns
        -------
        tier, period, scenario, column, eh_s_per_mw
            One entry per column, ``(entries,)``.
        """
        d = self.data
        run = self.run_cols()
        k, t, s = np.nonzero(run >= 0)
        parts = [(k, t, s, run[k, t, s], d.eh_s_per_mw[k])]
        if d.modes:
            tier, _, eh = self.mode_arrays()
            cols = self.var("mode_run").dense_cols()
            j, tm, sm = np.nonzero(cols >= 0)
            parts.append((tier[j], tm, sm, cols[j, tm, sm], eh[j]))
        k, t, s, c, e = (np.concatenate(a) for a in zip(*parts, strict=True))
        return k, t, s, c, e
