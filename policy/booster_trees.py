"""Part of a LightGBM booster as a booster of its own: the trees that split on given feature
columns (LightGBM predicts with a range of iterations, never with a chosen set of trees).

SHAP values add up over trees, so the ``pred_contrib`` of such a booster is that of the whole one
minus the other trees' share: :meth:`policy.plan_model.PlanValueModel.contributions_of`
(``apart``) explains the difference between two plans from the trees that read a plan column.
It never predicts.
"""

from collections.abc import Sequence

import lightgbm as lgb


def trees_on(booster: lgb.Booster, columns: Sequence[int]) -> lgb.Booster | None:
    """The trees of ``booster`` that split on any of the feature ``columns`` (their indices), as
    a booster of their own (None: no tree does)."""
    text = booster.model_to_string()
    start, end = text.index("\nTree="), text.index("\nend of trees")
    wanted = {str(c) for c in columns}
    kept = [
        tree
        for tree in text[start + 1 : end].split("\n\n\n")
        if any(
            wanted.intersection(line.removeprefix("split_feature=").split())
            for line in tree.splitlines()
            if line.startswith("split_feature=")
        )
    ]
    if not kept:
        return None
    # the header's tree_sizes (bytes per tree) no longer hold; without them LightGBM reads the
    # trees one after the other
    head = "".join(
        line for line in text[: start + 1].splitlines(keepends=True)
        if not line.startswith("tree_sizes=")
    )  # fmt: skip
    trees = "".join(
        f"Tree={k}\n" + tree.partition("\n")[2].rstrip("\n") + "\n\n\n"
        for k, tree in enumerate(kept)
    )
    return lgb.Booster(model_str=head + trees + text[end + 1 :])
