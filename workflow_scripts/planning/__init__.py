"""From the validated config to the workflow's jobs (no torch, no snakemake).

* :mod:`~workflow_scripts.planning.config`: what the schema cannot check (format options,
  demo roots, the Experiment-2 grid and its rate tags, the Experiment-3 pool).
* One planner per stage, mirroring ``rules/*.smk``: :mod:`.corpora` (demo corpora,
  manifests), :mod:`.caches`, :mod:`.training`, :mod:`.embeddings`, :mod:`.experiment1`
  (Table 1, evaluation metrics), :mod:`.experiment2`, :mod:`.experiment3`,
  :mod:`.duplicates`, :mod:`.experiment4` (with the embedding sources),
  :mod:`.significance`, :mod:`.per_attack` (and per condition), :mod:`.best_epochs`, and
  :mod:`.common` (types and option helpers). Each owns its stage's path templates and
  argument lists; the ``get_<what>`` functions of ``rules/common.smk`` call them.

Every function is pure: the config dict as Snakemake holds it after ``validate`` (schema
defaults filled in) plus plain values (a dataset name, a wildcard value) in, paths, run
specs or command-line words out (``*_args``: one string per word, passed as
``{params.x:q}``). Path conventions: ``results/caches/{dataset}/{split}.h5``,
``results/metrics/{run}/...json``, where a run is ``pretrained/{dataset}/{model}`` or
``exp{2,3,4}/{setting}/seed{i}``.
"""
