"""``research.print_optimize_summary`` and ``research.plot_significance_test``: Jesse's two report helpers
for the results of ``optimize`` and ``rule_significance_test``.

Example:
    >>> print_optimize_summary({'objective_function': 'sharpe', 'completed_trials': 0, 'total_trials': 4,
    ...                         'best_trials': []})
    <BLANKLINE>
    Completed 0 / 4 trials  |  Objective: sharpe
    <BLANKLINE>
    No profitable trials found.
"""
from __future__ import annotations

import os
from datetime import datetime

__all__ = ["print_optimize_summary", "plot_significance_test"]

# objective name -> metrics key and its column label (Jesse's mapping)
_METRIC_KEYS = {"sharpe": "sharpe_ratio", "calmar": "calmar_ratio", "sortino": "sortino_ratio",
                "omega": "omega_ratio"}
_METRIC_LABELS = {"sharpe_ratio": "Sharpe Ratio", "calmar_ratio": "Calmar Ratio",
                  "sortino_ratio": "Sortino Ratio", "omega_ratio": "Omega Ratio"}


def print_optimize_summary(result: dict, show_params: bool = False) -> None:
    """Print the best trials of an ``optimize`` result as Jesse's table: rank, trial, fitness, the objective's
    training and testing values (4 decimals) and the DNA (``show_params=True``: the parameters).

    Example:
        >>> print_optimize_summary({'objective_function': 'sharpe', 'completed_trials': 2, 'total_trials': 2,
        ...     'best_trials': [{'rank': 1, 'trial': 0, 'fitness': 0.5, 'dna': 'e30', 'params': {},
        ...                      'training_metrics': {'sharpe_ratio': 1.23456}, 'testing_metrics': {}}]})
        <BLANKLINE>
        Completed 2 / 2 trials  |  Objective: sharpe
        <BLANKLINE>
        Rank  Trial    Fitness  Train Sharpe Ratio  Test Sharpe Ratio  DNA
        ----  -------  -------  ------------------  -----------------  ---
        #1    Trial 0  0.5      1.2346              N/A                e30
        <BLANKLINE>
    """
    objective = result["objective_function"]
    metric = _METRIC_KEYS.get(objective.lower(), objective.lower())
    label = _METRIC_LABELS.get(metric, metric.replace("_", " ").title())
    print(f"\nCompleted {result['completed_trials']} / {result['total_trials']} trials  |  Objective: {objective}\n")
    best = result["best_trials"]
    if not best:
        print("No profitable trials found.")
        return

    def number(value) -> str:
        return f"{round(value, 4)}" if isinstance(value, (int, float)) else "N/A"

    headers = ["Rank", "Trial", "Fitness", f"Train {label}", f"Test {label}", "Params" if show_params else "DNA"]
    rows = [[f"#{t['rank']}", f"Trial {t['trial']}", f"{t['fitness']}",
             number(t["training_metrics"].get(metric)), number(t["testing_metrics"].get(metric)),
             str(t["params"]) if show_params else t["dna"]] for t in best]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
    print()


_THEMES = {
    "light": dict(fig="white", axes="#f8f8f8", text="black", title="black", grid="#cccccc", hist="steelblue",
                  edge="white", reject="tomato", vline="darkred", box="lightyellow", box_alpha=0.8,
                  box_text="black", legend="white", spine="#cccccc"),
    "dark": dict(fig="#333333", axes="#2a2a2a", text="#e5e7eb", title="#f6f7ee", grid="#4a4a4a", hist="#3b82f6",
                 edge="#333333", reject="#ef4444", vline="#fca5a5", box="#444444", box_alpha=0.9,
                 box_text="#e5e7eb", legend="#333333", spine="#4a4a4a"),
}


def _significance_label(p: float) -> str:
    if p <= 0.001:
        return "  ★★★  highly significant (p ≤ 0.001)"
    if p <= 0.01:
        return "  ★★  very significant (p ≤ 0.01)"
    if p <= 0.05:
        return "  ★  statistically significant (p ≤ 0.05)"
    if p <= 0.10:
        return "  ~  possibly significant (p ≤ 0.10)"
    return "  ✕  not significant (p > 0.10)"


def plot_significance_test(result: dict, charts_folder: str | None = None, theme: str = "light", dpi: int = 150,
                           show_title: bool = True) -> str:
    """Save a PNG histogram of ``result['simulated_means']`` (a ``rule_significance_test`` result) with the
    observed mean, the p-value region shaded, and a summary box; returns the file's absolute path
    (``charts_folder``, default ``./charts``, file ``rule_significance_bootstrap_<time>.png``).
    ``theme``: ``'light'`` or ``'dark'``.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed, as Jesse
    from matplotlib import pyplot as plt

    c = _THEMES.get(theme, _THEMES["light"])
    sims, observed, p = result["simulated_means"], result["observed_mean"], result["p_value"]
    n_sim = result["n_simulations"]
    fig, ax = plt.subplots(figsize=(10, 5))
    fig.patch.set_facecolor(c["fig"])
    ax.set_facecolor(c["axes"])
    _, edges, patches = ax.hist(sims, bins=min(50, max(20, n_sim // 10)), color=c["hist"], edgecolor=c["edge"],
                                linewidth=0.4, alpha=0.85, label="Simulated means (H₀)")
    for patch, left in zip(patches, edges[:-1]):
        if left >= observed:
            patch.set_facecolor(c["reject"])
            patch.set_alpha(0.9)
    ax.axvline(observed, color=c["vline"], linewidth=1.8, linestyle="--", label=f"Observed mean = {observed:.6f}")
    info = (f"p-value = {p:.4f}{_significance_label(p)}\n"
            f"Annualised return = {result['annualized_return'] * 100:.4f} %\n"
            f"Observations = {result['n_observations']} bars   |   Simulations = {n_sim}")
    ax.text(0.02, 0.97, info, transform=ax.transAxes, verticalalignment="top", fontsize=9, family="monospace",
            color=c["box_text"], bbox=dict(boxstyle="round,pad=0.4", facecolor=c["box"], alpha=c["box_alpha"],
                                           edgecolor=c["spine"]))
    if show_title:
        ax.set_title("Rule Significance Test — Bootstrap", fontsize=12, fontweight="bold", color=c["title"])
    ax.set_xlabel("Mean bar-level log return", color=c["text"])
    ax.set_ylabel("Frequency", color=c["text"])
    ax.tick_params(colors=c["text"])
    for spine in ax.spines.values():
        spine.set_edgecolor(c["spine"])
    ax.grid(True, color=c["grid"], linewidth=0.5, alpha=0.5)
    legend = ax.legend(fontsize=9, facecolor=c["legend"], edgecolor=c["spine"])
    for text in legend.get_texts():
        text.set_color(c["text"])
    plt.tight_layout()
    folder = charts_folder if charts_folder is not None else os.path.abspath("charts")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"rule_significance_bootstrap_{datetime.now().strftime('%Y%m%d_%H%M%S')}.png")
    plt.savefig(path, dpi=dpi, bbox_inches="tight", facecolor=c["fig"])
    plt.close(fig)
    print(f"Saved significance test chart to: {path}")
    return path
