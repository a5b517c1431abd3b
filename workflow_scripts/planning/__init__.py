"""From the validated config to the workflow's jobs (no torch, no snakemake).

* :mod:`~workflow_scripts.planning.config`: what the schema cannot check (format options,
  demo roots, the Experiment-2 grid and its rate tags, the Experiment-3 pool).
* :mod:`~workflow_scripts.planning.runs`: paths, run specs and argument lists of the
  rules, wrapped by the ``get_<what>`` functions of ``rules/common.smk``.
"""
