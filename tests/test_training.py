"""Tests of the training layer and the train/score/embed/predict commands.

Caches are small HDF5 files in the documented layout with a reduced front end
(8 kHz, 1 s windows, 16 mel bands x 101 frames) and a two-stage tiny ResNet,
so every training run takes about a second on a CPU.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch
from conftest import REPO, module_env, run_module

from workflow_scripts import embed, predict, score
from workflow_scripts import train as train_cli
from workflow_scripts.training import data as training_data
from workflow_scripts.training.checkpoint import CHECKPOINT_KEYS, load_model
from workflow_scripts.training.inference import score_rows, split_windows
from workflow_scripts.training.loop import (
    HISTORY_COLUMNS,
    TrainParams,
    prepare_data,
    run_config,
    train,
    write_outputs,
)

FRONT_END = {
    "sample_rate": 8000,
    "n_mels": 16,
    "n_fft": 128,
    "win_length": 128,
    "hop_length": 80,
    "duration_s": 1.0,
    "n_frames": 101,
    "trim": "start",
    "pad": "repeat",
    "log_offset": 1e-6,
}
TINY = {"depths": [1, 1], "widths": [4, 8]}
STR = h5py.string_dtype("utf-8")


def write_cache(
    path: Path,
    dataset: str,
    split: str,
    n_rows: int,
    seed: int,
    *,
    separation: float = 1.5,
    random_labels: bool = False,
) -> Path:
    """A cache in the docs/architecture.md layout; bonafide rows are brighter in the low bands.

    ``random_labels`` draws labels independently of the features (a validation
    set the model cannot learn, so its loss rises as the model grows confident).
    """
    rng = np.random.default_rng(seed)
    labels = (np.arange(n_rows) % 2).astype(np.int8)  # balanced, interleaved
    features = rng.normal(0.0, 1.0, (n_rows, FRONT_END["n_mels"], FRONT_END["n_frames"])).astype(
        np.float32
    )
    shift_labels = rng.permutation(labels) if random_labels else labels
    features[:, :6, :] += np.where(shift_labels == 1, separation, -separation)[:, None, None]
    attacks = np.where(labels == 1, "-", np.array([f"A0{i % 3 + 1}" for i in range(n_rows)]))
    with h5py.File(path, "w") as h5:
        h5.create_dataset(
            "features",
            data=features.astype(np.float16),
            chunks=(1, FRONT_END["n_mels"], FRONT_END["n_frames"]),
        )
        h5.create_dataset(
            "utt_id",
            data=np.array([f"{dataset}_{split}_{i:04d}" for i in range(n_rows)], dtype=object),
            dtype=STR,
        )
        h5.create_dataset("label", data=labels)
        h5.create_dataset("attack", data=attacks.astype(object), dtype=STR)
        h5.attrs.update(FRONT_END)
        h5.attrs.update(
            {
                "dataset": dataset,
                "split": split,
                "n_quarantined": 0,
                "version": 1,
                "min_duration_s": 0.25,
                "silence_dbfs": -60.0,
            }
        )
    return path


@pytest.fixture(scope="module")
def caches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("caches")
    return {
        "train": write_cache(root / "train.h5", "toy", "train", 64, seed=1),
        "dev": write_cache(root / "dev.h5", "toy", "dev", 32, seed=2),
        "eval": write_cache(root / "eval.h5", "toy", "eval", 24, seed=3),
        "other": write_cache(root / "other.h5", "other", "eval", 16, seed=4),
        "noisy_dev": write_cache(
            root / "noisy_dev.h5", "toy2", "dev", 32, seed=5, random_labels=True
        ),
    }


@pytest.fixture(scope="module")
def trained(caches: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One short training run shared by the checkpoint, score, embed and predict tests."""
    out = tmp_path_factory.mktemp("run")
    data = prepare_data([caches["train"]], val_caches=[caches["dev"]], seed=0)
    params = TrainParams(max_epochs=3, patience=10, batch_size=16, learning_rate=3e-3, seed=0)
    result = train("tiny_resnet", TINY, data, params, out / "resume.pt")
    paths = write_outputs(result, out)
    return {"result": result, "best": paths["best"], "history": paths["history"], "out": out}


def write_table(path: Path, **columns: object) -> Path:
    """A TSV (a selection) with these columns; scalars are repeated down the rows."""
    pd.DataFrame(columns).to_csv(path, sep="\t", index=False)
    return path


def train_args(
    caches: dict[str, Path], out: Path | str, resume: Path | str, *extra: str
) -> list[str]:
    """``train`` arguments: tiny_resnet on the train cache, plus ``extra``."""
    common = ["--model", "tiny_resnet", "--train-caches", str(caches["train"]), *extra]
    return [*common, "--out-dir", str(out), "--resume-path", str(resume)]


def run_on_cpu(main: Callable[[list[str]], int], trained: dict[str, object], *args: object) -> int:
    """Exit status of a checkpoint command (score, embed, predict) with the trained model on the
    CPU (float32, so scores compare exactly; CUDA would use float16 autocast)."""
    return main(["--checkpoint", str(trained["best"]), *map(str, args), "--device", "cpu"])


# ---------------------------------------------------------------- data layer


def test_selection_restricts_rows_and_missing_utt_id_is_named(
    caches: dict[str, Path], tmp_path: Path
) -> None:
    sel = tmp_path / "sel.tsv"
    chosen = ["toy_train_0003", "toy_train_0000", "toy_train_0010"]
    write_table(sel, dataset="toy", split="train", utt_id=chosen, extra=1)
    rows = training_data.index_caches(
        [caches["train"], caches["dev"]], training_data.read_selection(sel)
    )
    assert list(rows.utt_id) == sorted(chosen)  # cache order, not selection order
    assert list(rows.row) == [0, 3, 10]
    assert set(rows.dataset) == {"toy"}

    write_table(sel, dataset=["toy"], split=["train"], utt_id=["nope_17"])
    with pytest.raises(KeyError, match=r"nope_17.*train\.h5"):
        training_data.index_caches([caches["train"]], training_data.read_selection(sel))
    # A selected (dataset, split) without a cache is named too.
    write_table(sel, dataset=["ghost"], split=["train"], utt_id=["g1"])
    with pytest.raises(KeyError, match="g1"):
        training_data.index_caches([caches["train"]], training_data.read_selection(sel))


def test_train_cli_reports_missing_selected_row(
    caches: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sel = write_table(
        tmp_path / "sel.tsv", dataset=["toy"], split=["train"], utt_id=["missing_utt"]
    )
    args = train_args(caches, tmp_path / "out", tmp_path / "r.pt", "--train-selection", str(sel))
    status = train_cli.main(args)
    assert status == 2
    err = capsys.readouterr().err
    assert "missing_utt" in err and "train.h5" in err
    assert not (tmp_path / "out").exists()


def test_stratified_holdout_is_deterministic_and_stratified() -> None:
    labels = np.array([1] * 30 + [0] * 170)
    train_a, val_a = training_data.stratified_holdout(labels, 0.1, seed=7)
    train_b, val_b = training_data.stratified_holdout(labels, 0.1, seed=7)
    _, val_c = training_data.stratified_holdout(labels, 0.1, seed=8)
    assert np.array_equal(val_a, val_b) and np.array_equal(train_a, train_b)
    assert not np.array_equal(val_a, val_c)
    assert (labels[val_a] == 1).sum() == 3 and (labels[val_a] == 0).sum() == 17
    assert np.intersect1d(train_a, val_a).size == 0 and train_a.size + val_a.size == labels.size


def test_epoch_order_and_both_feature_paths_agree(caches: dict[str, Path]) -> None:
    assert np.array_equal(training_data.epoch_order(50, 3, 2), training_data.epoch_order(50, 3, 2))
    assert not np.array_equal(
        training_data.epoch_order(50, 3, 2), training_data.epoch_order(50, 3, 3)
    )
    assert sorted(training_data.epoch_order(50, 3, 2)) == list(range(50))
    batches = training_data.batch_positions(
        np.arange(33), 16
    )  # 16 + 17: the lone last row is merged
    assert [b.size for b in batches] == [16, 17]

    rows = training_data.index_caches([caches["train"], caches["dev"]])
    memory, per_batch = (
        training_data.open_features(rows),
        training_data.open_features(rows, max_memory_mb=0),
    )
    try:
        assert memory.in_memory and not per_batch.in_memory
        positions = training_data.epoch_order(len(rows), 0, 1)[:20]
        assert np.array_equal(memory.read(positions), per_batch.read(positions))
        with h5py.File(caches["dev"]) as h5:
            dev_row = h5["features"][5].astype(np.float32)
        assert np.array_equal(per_batch.read(np.array([64 + 5]))[0], dev_row)
    finally:
        memory.close()
        per_batch.close()


def _bits(array: np.ndarray) -> np.ndarray:
    """Float32 values as their bit patterns, so equality is exact (signed zeros, NaNs)."""
    return np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)


def _assert_same_batches(
    source: object, rows: training_data.RowIndex, batches: list[np.ndarray], device: torch.device
) -> None:
    """``device_batches`` over ``source`` yields InMemoryFeatures' float32 batches, in order."""
    reference = training_data.InMemoryFeatures(rows)
    got = list(training_data.device_batches(source, rows, batches, device))  # type: ignore[arg-type]
    assert len(got) == len(batches)
    for positions, (seen, x, y) in zip(batches, got, strict=True):
        assert np.array_equal(seen, positions)
        assert x.device.type == device.type and x.dtype == torch.float32
        assert x.shape == (positions.size, 1, *rows.shape)
        assert np.array_equal(_bits(x.squeeze(1).cpu().numpy()), _bits(reference.read(positions)))
        assert np.array_equal(y.cpu().numpy(), rows.label[positions].astype(np.float32))


def test_tensor_features_give_the_in_memory_batches_in_order(caches: dict[str, Path]) -> None:
    rows = training_data.index_caches([caches["train"], caches["dev"]])
    batches = training_data.batch_positions(training_data.epoch_order(len(rows), 0, 1), 16)
    source = training_data.open_features(rows)
    per_batch = training_data.open_features(rows, max_memory_mb=0)
    try:
        assert isinstance(source, training_data.TensorFeatures) and source.resident
        for each in (source, per_batch):
            _assert_same_batches(each, rows, batches, torch.device("cpu"))
    finally:
        source.close()
        per_batch.close()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_data_path_gives_the_cpu_batches_in_order(caches: dict[str, Path]) -> None:
    """Rows resident on the GPU, in pinned host memory, or read per batch by the prefetch
    thread: the batches equal the CPU ones bit for bit."""
    rows = training_data.index_caches([caches["train"], caches["dev"]])
    batches = training_data.batch_positions(training_data.epoch_order(len(rows), 0, 1), 16)
    cuda = torch.device("cuda")
    on_gpu = training_data.TensorFeatures(rows, cuda, gpu_budget_mb=1024)
    pinned = training_data.TensorFeatures(rows, cuda, gpu_budget_mb=0)
    per_batch = training_data.CacheFeatures(rows)
    try:
        assert on_gpu.resident and on_gpu.features.is_cuda
        assert not pinned.resident and pinned.features.is_pinned()
        for source in (on_gpu, pinned, per_batch):
            _assert_same_batches(source, rows, batches, cuda)
    finally:
        for source in (on_gpu, pinned, per_batch):
            source.close()


def test_validation_selection_restricts_validation_rows_and_overlap_is_refused(
    caches: dict[str, Path], tmp_path: Path
) -> None:
    chosen = [f"toy_dev_{i:04d}" for i in (1, 2, 5, 6, 9)]
    val_sel = write_table(
        tmp_path / "val.tsv", dataset="toy", split="dev", utt_id=chosen, label="x"
    )
    data = prepare_data(
        [caches["train"]], val_caches=[caches["dev"]], val_selection=val_sel, seed=0
    )
    assert list(data.val.utt_id) == chosen and data.validation == "selection"
    assert len(data.train) == 64
    assert prepare_data([caches["train"]], val_caches=[caches["dev"]]).validation == "caches"

    # A train + dev pool: dev rows drawn for training must not validate.
    train_sel = write_table(
        tmp_path / "train.tsv",
        dataset=["toy"] * 4,
        split=["train", "train", "dev", "dev"],
        utt_id=["toy_train_0000", "toy_train_0001", "toy_dev_0003", "toy_dev_0005"],
    )
    with pytest.raises(
        ValueError, match=r"1 row\(s\) are both training and validation rows.*toy_dev_0005"
    ):
        prepare_data(
            [caches["train"], caches["dev"]], train_sel, [caches["dev"]], val_selection=val_sel
        )
    with pytest.raises(ValueError, match="both training and validation"):
        prepare_data(
            [caches["train"], caches["dev"]], train_sel, [caches["dev"]]
        )  # whole dev split
    write_table(val_sel, dataset="toy", split="dev", utt_id=["toy_dev_0001", "toy_dev_0002"])
    data = prepare_data(
        [caches["train"], caches["dev"]], train_sel, [caches["dev"]], val_selection=val_sel
    )
    assert set(data.train.split) == {"train", "dev"} and list(data.val.utt_id) == [
        "toy_dev_0001",
        "toy_dev_0002",
    ]

    with pytest.raises(ValueError, match="needs the validation caches"):
        prepare_data([caches["train"]], val_selection=val_sel)
    write_table(val_sel, dataset=["toy"], split=["dev"], utt_id=["nope"])
    with pytest.raises(KeyError, match=r"nope.*dev\.h5"):
        prepare_data([caches["train"]], val_caches=[caches["dev"]], val_selection=val_sel)


def test_train_cli_reads_val_selection(
    caches: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def val_args(selection: Path | str, out: Path | str, resume: Path | str) -> list[str]:
        val = ("--val-caches", str(caches["dev"]), "--val-selection", str(selection))
        return train_args(caches, out, resume, *val)

    args = train_cli.build_parser().parse_args(val_args("v.tsv", "o", "r.pt"))
    assert args.val_selection == Path("v.tsv")
    status = train_cli.main(val_args(tmp_path / "missing.tsv", tmp_path / "out", tmp_path / "r.pt"))
    assert status == 2 and "missing.tsv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_evaluation_split_is_refused_for_validation(caches: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="evaluation"):
        prepare_data([caches["train"]], val_caches=[caches["eval"]])


# ------------------------------------------------------------ training loop


def test_training_reduces_loss_and_writes_a_plain_checkpoint(trained: dict[str, object]) -> None:
    history = pd.read_csv(trained["history"])
    assert list(history.columns) == list(HISTORY_COLUMNS)
    assert list(history["epoch"]) == [1, 2, 3]
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    assert history["val_loss"].min() < np.log(2)  # better than chance on separable data
    assert np.isfinite(history.to_numpy(dtype=float)).all()

    checkpoint = torch.load(trained["best"], map_location="cpu", weights_only=True)
    assert isinstance(checkpoint, dict) and set(CHECKPOINT_KEYS) <= set(checkpoint)
    assert checkpoint["epoch"] == int(history["epoch"][history["val_loss"].idxmin()])
    assert checkpoint["metric"]["val_loss"] == pytest.approx(history["val_loss"].min())
    assert checkpoint["config"]["model"] == {"name": "tiny_resnet", "kwargs": TINY}
    # A binary run (attack weight 0) records no attack head.
    assert "attack_head" not in checkpoint["config"]
    assert checkpoint["config"]["training"]["loss"] == "bce_with_logits"
    assert not any(key.startswith("attack_classifier") for key in checkpoint["model"])
    assert checkpoint["config"]["training"]["learning_rate"] == 3e-3
    assert checkpoint["config"]["features"]["sample_rate"] == 8000
    assert set(checkpoint["version"]) == {"package", "torch"}
    model, _ = load_model(trained["best"])
    assert not model.training


def test_early_stopping_keeps_min_val_loss_epoch(caches: dict[str, Path], tmp_path: Path) -> None:
    # Validation labels unrelated to the features: val loss rises as the model learns the
    # training set.
    data = prepare_data([caches["train"]], val_caches=[caches["noisy_dev"]], seed=0)
    params = TrainParams(max_epochs=12, patience=2, batch_size=16, learning_rate=1e-2, seed=0)
    result = train("tiny_resnet", TINY, data, params, tmp_path / "resume.pt")
    epochs = list(result.history["epoch"])
    assert result.stopped_early and len(epochs) < 12
    best = int(result.history["epoch"][result.history["val_loss"].idxmin()])
    assert result.best_epoch == best == result.best["epoch"]
    assert epochs[-1] == best + params.patience  # stopped exactly `patience` epochs after the best

    # the kept epoch, of how many, and why, written beside the checkpoint for the tables
    summary = json.loads(write_outputs(result, tmp_path / "out")["summary"].read_text())
    assert summary["best_epoch"] == best and summary["epochs_run"] == len(epochs)
    assert summary["stop_reason"] == "patience" and summary["patience"] == 2
    assert summary["max_epochs"] == 12 and summary["val_loss"] == "balanced"
    assert summary["best_val_loss"] == pytest.approx(result.history["val_loss"].min())
    assert summary["train_rows"] == {"bonafide": 32, "spoof": 32}
    assert summary["val_rows"] == {"bonafide": 16, "spoof": 16}
    assert summary["model"] == "tiny_resnet" and summary["validation"] == "caches"


def test_resume_with_other_config_starts_afresh(caches: dict[str, Path], tmp_path: Path) -> None:
    data = prepare_data([caches["train"]], val_fraction=0.25, seed=0)
    params = TrainParams(max_epochs=1, patience=5, batch_size=16, seed=0)
    train("tiny_resnet", TINY, data, params, tmp_path / "resume.pt")
    assert (tmp_path / "resume.pt").exists()
    raised = TrainParams(
        max_epochs=2, patience=5, batch_size=16, seed=0
    )  # only max_epochs differs: resume
    assert train("tiny_resnet", TINY, data, raised, tmp_path / "resume.pt").resumed_from_epoch == 1
    other = TrainParams(max_epochs=2, patience=5, batch_size=16, seed=0, learning_rate=5e-4)
    assert train("tiny_resnet", TINY, data, other, tmp_path / "resume.pt").resumed_from_epoch == 0


def _train_args(caches: dict[str, Path], out: Path, resume: Path) -> list[str]:
    return train_args(
        caches,
        out,
        resume,
        "--model-kwargs-json",
        '{"depths": [1, 1], "widths": [4, 8]}',
        "--val-fraction",
        "0.25",
        "--max-epochs",
        "3",
        "--patience",
        "5",
        "--batch-size",
        "16",
        "--learning-rate",
        "0.003",
        "--seed",
        "11",
        "--device",
        "cpu",
        "--threads",
        "1",
    )


def _train_subprocess(
    caches: dict[str, Path], out: Path, resume: Path, exit_after: int | None
) -> int:
    env = module_env()
    env.pop(train_cli.EXIT_AFTER_EPOCH_ENV, None)
    if exit_after is not None:
        env[train_cli.EXIT_AFTER_EPOCH_ENV] = str(exit_after)
    args = _train_args(caches, out, resume)
    return run_module("train", *args, cwd=REPO, env=env, timeout=120).returncode


def test_killed_then_resumed_run_equals_uninterrupted_run(
    caches: dict[str, Path], tmp_path: Path
) -> None:
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    threads = torch.get_num_threads()
    try:  # the uninterrupted reference run in-process (same code, one thread like the subprocesses)
        assert train_cli.main(_train_args(caches, straight, tmp_path / "straight.pt")) == 0
    finally:
        torch.set_num_threads(threads)
    assert (
        _train_subprocess(caches, broken, tmp_path / "broken.pt", 1)
        == train_cli.SIMULATED_KILL_STATUS
    )
    assert (tmp_path / "broken.pt").exists() and not (broken / "best.pt").exists()
    assert _train_subprocess(caches, broken, tmp_path / "broken.pt", None) == 0
    assert not (tmp_path / "broken.pt").exists()  # resume state is dropped once outputs exist

    for name in ("best.pt", "history.csv", "training.json", "curve.png"):
        assert (straight / name).is_file() and (broken / name).is_file()
    kept = json.loads((straight / "training.json").read_text())
    assert kept == json.loads((broken / "training.json").read_text())
    assert kept["epochs_run"] == 3 and kept["stop_reason"] == "max_epochs"
    columns = ["epoch", "train_loss", "val_loss", "val_eer", "lr"]  # seconds is wall time
    a, b = pd.read_csv(straight / "history.csv"), pd.read_csv(broken / "history.csv")
    assert len(a) == 3
    pd.testing.assert_frame_equal(a[columns], b[columns], check_exact=True)
    ca = torch.load(straight / "best.pt", weights_only=True)
    cb = torch.load(broken / "best.pt", weights_only=True)
    assert ca["epoch"] == cb["epoch"] and ca["metric"] == cb["metric"]
    assert ca["model"].keys() == cb["model"].keys()
    for key, tensor in ca["model"].items():
        assert torch.equal(tensor, cb["model"][key]), key


# ---------------------------------------------------------- score and embed


def test_score_cli_writes_documented_columns(
    trained: dict[str, object], caches: dict[str, Path], tmp_path: Path
) -> None:
    single, multi = tmp_path / "eval.tsv", tmp_path / "both.tsv"
    one_cache = ("--caches", caches["eval"], "--out", single, "--batch-size", 7)
    assert run_on_cpu(score.main, trained, *one_cache) == 0
    table = pd.read_csv(
        single, sep="\t", dtype={"utt_id": str, "attack": str}, keep_default_na=False
    )
    assert list(table.columns) == ["utt_id", "label", "attack", "score"]
    assert len(table) == 24 and set(table["label"]) == {"bonafide", "spoof"}
    assert (table.loc[table["label"] == "bonafide", "attack"] == "-").all()
    # Separable data: bonafide scores higher on average.
    assert (
        table.loc[table["label"] == "bonafide", "score"].mean()
        > table.loc[table["label"] == "spoof", "score"].mean()
    )

    both_caches = ("--caches", caches["eval"], caches["other"])
    assert run_on_cpu(score.main, trained, *both_caches, "--out", multi) == 0
    both = pd.read_csv(multi, sep="\t", keep_default_na=False)
    assert list(both.columns) == ["utt_id", "label", "attack", "score", "dataset"]
    assert both["dataset"].value_counts().to_dict() == {"toy": 24, "other": 16}
    # Batch size does not change scores.
    np.testing.assert_allclose(
        both["score"].to_numpy()[:24], table["score"].to_numpy(), rtol=1e-5, atol=1e-6
    )


def test_embed_cli_writes_embeddings_and_correct_flag(
    trained: dict[str, object], caches: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "emb.h5"
    # The noisy cache's labels are unrelated to its features, so some rows are misclassified.
    both_caches = ("--caches", caches["train"], caches["noisy_dev"])
    assert run_on_cpu(embed.main, trained, *both_caches, "--out", out) == 0
    model, _ = load_model(trained["best"])
    with h5py.File(out) as h5:
        emb, logit, label, correct = (h5[k][()] for k in ("embedding", "logit", "label", "correct"))
        utt = h5["utt_id"].asstr()[()]
        attack = h5["attack"].asstr()[()]
        dataset = h5["dataset"].asstr()[()]
        attrs = dict(h5.attrs)
    assert emb.dtype == np.float32 and emb.shape == (64 + 32, model.num_features)
    assert logit.dtype == np.float32 and label.dtype == np.int8 and correct.dtype == bool
    assert np.array_equal(correct, (logit > 0) == (label == 1))
    assert correct.any() and not correct.all()
    assert correct[:64].mean() > correct[64:].mean()  # separable rows are classified better
    assert list(utt[:2]) == ["toy_train_0000", "toy_train_0001"] and list(attack[:2]) == [
        "A01",
        "-",
    ]
    assert set(dataset[:64]) == {"toy"} and set(dataset[64:]) == {"toy2"}
    assert attrs["model"] == "tiny_resnet" and attrs["decision_threshold"] == 0.0
    assert attrs["checkpoint"] == str(trained["best"])
    assert attrs["embedding_layer"] == "penultimate" and attrs["num_features"] == 8
    # The logit is the classifier applied to the stored embedding (dropout is off in eval mode).
    with torch.no_grad():
        again = model.classifier(torch.from_numpy(emb)).squeeze(-1).numpy()
    np.testing.assert_allclose(again, logit, rtol=1e-4, atol=1e-5)


def test_embed_threshold_from_dev_caches_is_their_eer_det_threshold(
    trained: dict[str, object], caches: dict[str, Path], tmp_path: Path
) -> None:
    from workflow_scripts.metrics.eer import eer_det

    out = tmp_path / "emb_dev.h5"
    with_threshold = ("--caches", caches["train"], "--threshold-caches", caches["dev"])
    assert run_on_cpu(embed.main, trained, *with_threshold, "--out", out) == 0
    dev_scores = tmp_path / "dev.tsv"
    assert run_on_cpu(score.main, trained, "--caches", caches["dev"], "--out", dev_scores) == 0
    table = pd.read_csv(dev_scores, sep="\t")
    expected = eer_det(
        table["score"].to_numpy(), (table["label"] == "bonafide").to_numpy().astype(int)
    )[1]
    with h5py.File(out) as h5:
        logit, label, correct = (h5[k][()] for k in ("logit", "label", "correct"))
        attrs = dict(h5.attrs)
    assert attrs["decision_threshold"] == pytest.approx(expected, rel=1e-6)
    assert "EER-DET threshold" in attrs["threshold_source"]
    assert np.array_equal(correct, (logit > attrs["decision_threshold"]) == (label == 1))


# ----------------------------------------------------------------- predict


def test_split_windows_pads_the_tail_like_the_caches() -> None:
    wave = np.arange(25, dtype=np.float32)
    windows = split_windows(wave, 10, "repeat", min_tail_samples=3)
    assert windows.shape == (3, 10)
    assert np.array_equal(windows[2], np.array([20, 21, 22, 23, 24] * 2, dtype=np.float32))
    assert split_windows(wave[:22], 10, "zero", 3).shape == (2, 10)  # 2-sample tail dropped
    short = split_windows(wave[:4], 10, "zero", 3)
    assert short.shape == (1, 10) and short[0, 4:].sum() == 0


def test_predict_scores_long_short_resampled_and_bad_files(
    trained: dict[str, object], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(0)
    audio = tmp_path / "audio"
    (audio / "sub").mkdir(parents=True)
    first, second = (
        (0.3 * rng.standard_normal(8000)).astype(np.float32),
        (0.3 * rng.standard_normal(8000)).astype(np.float32),
    )
    sf.write(
        audio / "long.wav", np.concatenate([first, second, first[:4000]]), 8000
    )  # 2.5 s: 3 windows
    sf.write(audio / "first.wav", first, 8000)
    sf.write(audio / "second.wav", second, 8000)
    sf.write(
        audio / "short.flac", (0.3 * rng.standard_normal(4000)).astype(np.float32), 8000
    )  # 0.5 s
    sf.write(
        audio / "sub" / "cd.wav", (0.3 * rng.standard_normal(48510)).astype(np.float32), 22050
    )  # 2.2 s
    (audio / "sub" / "broken.wav").write_bytes(b"this is not audio")
    (audio / "notes.txt").write_text("ignored: not an audio extension")
    out = tmp_path / "pred.csv"

    assert run_on_cpu(predict.main, trained, audio, "--out", out) == 0
    table = pd.read_csv(out, keep_default_na=False).set_index("path")
    assert list(table.columns) == ["score", "n_windows", "error"]
    names = {Path(p).name: p for p in table.index}
    assert set(names) == {
        "long.wav",
        "first.wav",
        "second.wav",
        "short.flac",
        "cd.wav",
        "broken.wav",
    }
    row = lambda name: table.loc[names[name]]  # noqa: E731
    assert row("long.wav")["n_windows"] == 3
    assert row("short.flac")["n_windows"] == 1
    assert row("cd.wav")["n_windows"] == 2  # 0.2 s tail is shorter than min_duration_s: dropped
    assert row("broken.wav")["error"] != "" and row("broken.wav")["score"] == ""
    assert any("broken.wav" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    for name in ("long.wav", "short.flac", "cd.wav", "first.wav"):
        assert row(name)["error"] == "" and np.isfinite(float(row(name)["score"]))

    # Aggregation is the mean window logit: 2 full windows + a tail equal to the first half
    # of `first`.
    tail = tmp_path / "tail.wav"
    sf.write(tail, first[:4000], 8000)
    assert run_on_cpu(predict.main, trained, tail, "--out", tmp_path / "t.csv") == 0
    tail_score = float(pd.read_csv(tmp_path / "t.csv")["score"][0])
    expected = (
        float(row("first.wav")["score"]) + float(row("second.wav")["score"]) + tail_score
    ) / 3
    assert float(row("long.wav")["score"]) == pytest.approx(expected, rel=1e-5, abs=1e-6)

    # Nothing scorable: exit status 1.
    broken = audio / "sub" / "broken.wav"
    assert run_on_cpu(predict.main, trained, broken, "--out", tmp_path / "none.csv") == 1


def test_balanced_validation_loss_ignores_the_class_ratio() -> None:
    from workflow_scripts.training.loop import validation_loss

    logits = np.array([2.0, 1.0, -1.0, -2.0, -3.0], dtype=np.float32)
    labels = np.array([1, 1, 0, 0, 0])
    per_row = np.log1p(np.exp(-np.where(labels == 1, logits, -logits)))  # BCE with logits, by hand
    assert validation_loss(logits, labels, "plain") == pytest.approx(per_row.mean(), rel=1e-6)
    balanced = (per_row[labels == 1].mean() + per_row[labels == 0].mean()) / 2
    assert validation_loss(logits, labels, "balanced") == pytest.approx(balanced, rel=1e-6)
    # repeating the spoof rows changes the plain loss but not the balanced one
    more = np.concatenate([logits, logits[2:]]), np.concatenate([labels, labels[2:]])
    assert validation_loss(*more, "balanced") == pytest.approx(balanced, rel=1e-6)
    assert validation_loss(*more, "plain") != pytest.approx(per_row.mean(), rel=1e-3)


def test_train_leaves_the_determinism_switches_as_it_found_them(
    trained: dict[str, object],
) -> None:
    """seed_everything turns deterministic mode on and its NaN fill off; train() undoes both."""
    assert trained["result"] is not None  # a training run has finished in this process
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.utils.deterministic.fill_uninitialized_memory


# ------------------------------------------------- attack-aware training and stage embeddings


def with_spoof_attacks(src: Path, dst: Path, spoof_attack: str) -> Path:
    """A copy of cache ``src`` whose spoof rows all have attack id ``spoof_attack``."""
    dst.write_bytes(src.read_bytes())
    with h5py.File(dst, "r+") as h5:
        labels = h5["label"][()]
        attacks = np.where(labels == 0, spoof_attack, h5["attack"].asstr()[()])
        del h5["attack"]
        h5.create_dataset("attack", data=attacks.astype(object), dtype=STR)
    return dst


def test_attack_classes_and_targets(caches: dict[str, Path]) -> None:
    rows = SimpleNamespace(
        label=np.array([1, 0, 0, 0, 1, 0], dtype=np.int8),
        attack=np.array(["-", "A07", "A01", "A07", "-", "A10"], dtype=object),
    )
    classes = training_data.attack_classes(rows)
    assert classes == ["bonafide", "A01", "A07", "A10"]
    targets = training_data.attack_targets(rows, classes)
    assert targets.dtype == np.int64 and targets.tolist() == [0, 2, 1, 2, 0, 3]
    with pytest.raises(ValueError, match="'A10'"):
        training_data.attack_targets(rows, classes[:3])
    indexed = training_data.index_caches([caches["train"]])
    assert training_data.attack_classes(indexed) == ["bonafide", "A01", "A02", "A03"]

    one = SimpleNamespace(label=rows.label, attack=np.where(rows.label == 1, "-", "A07"))
    with pytest.raises(ValueError, match="at least 2 distinct spoof attack ids"):
        training_data.attack_classes(one)
    for unknown in ("-", ""):
        attack = rows.attack.copy()
        attack[3] = unknown
        with pytest.raises(ValueError, match="1 of 4 spoof training rows have no attack id"):
            training_data.attack_classes(SimpleNamespace(label=rows.label, attack=attack))


def test_attack_weight_is_checked_and_num_attack_classes_is_not_a_model_option(
    caches: dict[str, Path],
) -> None:
    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="attack_weight"):
            TrainParams(attack_weight=bad)
    data = prepare_data([caches["train"]], val_caches=[caches["dev"]], seed=0)
    with pytest.raises(ValueError, match="num_attack_classes"):
        run_config("tiny_resnet", {**TINY, "num_attack_classes": 4}, TrainParams(), data)
    config = run_config("tiny_resnet", TINY, TrainParams(attack_weight=2.0), data)
    assert config["attack_head"] == {"weight": 2.0, "classes": ["bonafide", "A01", "A02", "A03"]}
    assert config["model"]["kwargs"] == {**TINY, "num_attack_classes": 4}
    assert config["training"]["loss"] == "bce_with_logits+attack_ce"
    assert "attack_head" not in run_config("tiny_resnet", TINY, TrainParams(), data)


def test_attack_aware_training_reloads_and_resumes_exactly(
    caches: dict[str, Path], tmp_path: Path
) -> None:
    data = prepare_data([caches["train"]], val_caches=[caches["dev"]], seed=0)

    def params(max_epochs: int, weight: float = 0.5) -> TrainParams:
        return TrainParams(
            max_epochs=max_epochs, batch_size=16, learning_rate=3e-3, seed=0, attack_weight=weight
        )

    straight = train("tiny_resnet", TINY, data, params(2), tmp_path / "straight.pt")
    best = write_outputs(straight, tmp_path)["best"]
    config = torch.load(best, weights_only=True)["config"]
    assert config["attack_head"] == {"weight": 0.5, "classes": ["bonafide", "A01", "A02", "A03"]}
    assert config["model"]["kwargs"]["num_attack_classes"] == 4
    model, _ = load_model(best)  # build_model(config) recreates the attack head
    assert model.attack_classifier.out_features == 4
    head = straight.best["model"]["attack_classifier.weight"]
    assert torch.equal(model.attack_classifier.weight, head)
    scored = score_rows(model, training_data.index_caches([caches["eval"]]), torch.device("cpu"))
    assert np.isfinite(scored.score).all() and scored.score.shape == (24,)

    # Exact resume: one epoch, then a second from the resume checkpoint = two straight epochs.
    split = tmp_path / "split.pt"
    assert train("tiny_resnet", TINY, data, params(1), split).resumed_from_epoch == 0
    resumed = train("tiny_resnet", TINY, data, params(2), split)
    assert resumed.resumed_from_epoch == 1
    columns = ["epoch", "train_loss", "val_loss", "val_eer", "lr"]
    pd.testing.assert_frame_equal(
        straight.history[columns], resumed.history[columns], check_exact=True
    )
    assert straight.best["model"].keys() == resumed.best["model"].keys()
    for key, tensor in straight.best["model"].items():
        assert torch.equal(tensor, resumed.best["model"][key]), key
    # Another weight is another run.
    assert train("tiny_resnet", TINY, data, params(1, 0.25), split).resumed_from_epoch == 0


def test_train_cli_attack_loss_weight(
    caches: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--model-kwargs-json", json.dumps(TINY), "--val-fraction", "0.25", "--max-epochs", "1"]
    extra += ["--batch-size", "16", "--device", "cpu", "--attack-loss-weight", "0.5"]
    out = tmp_path / "out"
    assert train_cli.main(train_args(caches, out, tmp_path / "r.pt", *extra)) == 0
    config = torch.load(out / "best.pt", weights_only=True)["config"]
    assert config["attack_head"]["classes"] == ["bonafide", "A01", "A02", "A03"]

    one_attack = with_spoof_attacks(caches["train"], tmp_path / "one.h5", "A05")
    args = train_args({"train": one_attack}, tmp_path / "bad", tmp_path / "bad.pt", *extra)
    assert train_cli.main(args) == 2
    assert "at least 2 distinct spoof attack ids" in capsys.readouterr().err
    assert not (tmp_path / "bad" / "best.pt").exists()


def test_embed_cli_stage_embeddings(
    trained: dict[str, object],
    caches: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def read(path: Path) -> dict[str, object]:
        with h5py.File(path) as h5:
            return {k: h5[k][()] for k in ("embedding", "logit", "correct")} | dict(h5.attrs)

    one_cache = ("--caches", caches["eval"])
    for stage in (1, 2):
        out = tmp_path / f"s{stage}.h5"
        assert run_on_cpu(embed.main, trained, *one_cache, "--out", out, "--stage", stage) == 0
    assert run_on_cpu(embed.main, trained, *one_cache, "--out", tmp_path / "pen.h5") == 0
    first, last, penultimate = (read(tmp_path / f"{n}.h5") for n in ("s1", "s2", "pen"))
    model, _ = load_model(trained["best"])
    assert model.widths == (4, 8)
    assert first["embedding"].shape == (24, 4) and first["embedding"].dtype == np.float32
    assert first["embedding_layer"] == "stage1" and first["num_features"] == 4
    assert last["embedding_layer"] == "stage2" and penultimate["embedding_layer"] == "penultimate"
    # Logits and decisions are the full model's whatever the embedding layer.
    for other in (first, last):
        assert np.array_equal(other["logit"], penultimate["logit"])
        assert np.array_equal(other["correct"], penultimate["correct"])
    # The last stage pooled is the penultimate embedding (tiny_resnet has no final norm).
    assert np.array_equal(last["embedding"], penultimate["embedding"])
    rows = training_data.index_caches([caches["eval"]])
    source = training_data.CacheFeatures(rows)
    try:
        x = torch.from_numpy(source.read(np.arange(len(rows))))
    finally:
        source.close()
    with torch.no_grad():
        expected = model.stage_embedding(x, 1).numpy()
    np.testing.assert_allclose(first["embedding"], expected, rtol=1e-5, atol=1e-6)

    capsys.readouterr()
    bad = tmp_path / "s3.h5"
    assert run_on_cpu(embed.main, trained, *one_cache, "--out", bad, "--stage", 3) == 2
    err = capsys.readouterr().err
    assert str(trained["best"]) in err and "2 stages" in err and not bad.exists()
