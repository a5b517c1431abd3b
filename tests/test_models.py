"""Tests for the detector models (workflow_scripts.models)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from workflow_scripts.models import (
    MODEL_NAMES,
    ConvNeXtBlock,
    ResidualBlock,
    count_parameters,
    create_model,
    glorot_bound,
    split_blocks,
)

N_MELS, N_FRAMES = 80, 301


@pytest.fixture(autouse=True, scope="module")
def single_thread() -> Iterator[None]:
    """Run single-threaded: 2 OpenMP threads on a shared, oversubscribed CPU
    spin-wait and run ~10x slower; restore the setting for other test files."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def build(name: str, seed: int = 0, **kwargs: object) -> nn.Module:
    """Return a freshly seeded model."""
    torch.manual_seed(seed)
    return create_model(name, **kwargs)


def batch(size: int = 2, n_frames: int = N_FRAMES, seed: int = 1) -> torch.Tensor:
    """Return a reproducible random log-mel batch (B, 1, 80, n_frames)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(size, 1, N_MELS, n_frames, generator=generator)


def test_registry_names() -> None:
    assert MODEL_NAMES == ("resnet", "tiny_resnet", "convnext")
    with pytest.raises(ValueError, match="unknown model 'vgg'"):
        create_model("vgg")
    with pytest.raises(TypeError):
        create_model("resnet", not_an_option=1)


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("n_frames", [N_FRAMES, 101])
def test_forward_shapes(name: str, n_frames: int) -> None:
    model = build(name).eval()
    x = batch(n_frames=n_frames)
    with torch.no_grad():
        logits = model(x)
        feats = model.forward_features(x)
        embedding = model.forward_head(feats, pre_logits=True)
        logits_3d = model(x.squeeze(1))
    assert logits.shape == (2,) and logits.dtype == torch.float32
    assert feats.dim() == 4 and feats.shape[:2] == (2, model.num_features)
    assert embedding.shape == (2, model.num_features)
    assert torch.isfinite(logits).all()
    # (B, n_mels, n_frames) input is treated as one channel.
    assert torch.equal(logits, logits_3d)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_embedding_is_classifier_input(name: str) -> None:
    model = build(name).eval()
    x = batch(size=3)
    with torch.no_grad():
        embedding = model.forward_head(model.forward_features(x), pre_logits=True)
        logits = model(x)
        from_embedding = model.classifier(embedding).squeeze(-1)
    assert embedding.shape == (3, model.num_features)
    assert model.classifier.in_features == model.num_features
    torch.testing.assert_close(logits, from_embedding, rtol=0, atol=1e-6)
    torch.testing.assert_close(model.embed(x), embedding, rtol=0, atol=0)


def test_embedding_widths_are_modest() -> None:
    widths = {name: build(name).num_features for name in MODEL_NAMES}
    assert widths == {"resnet": 128, "tiny_resnet": 128, "convnext": 256}


def test_residual_block_counts() -> None:
    def n_blocks(model: nn.Module, kind: type) -> int:
        return sum(isinstance(m, kind) for m in model.modules())

    assert n_blocks(build("tiny_resnet"), ResidualBlock) == 9
    assert n_blocks(build("resnet"), ResidualBlock) == 18
    assert n_blocks(build("resnet", num_blocks=6), ResidualBlock) == 6
    assert n_blocks(build("resnet", depths=(1, 1, 1, 1)), ResidualBlock) == 4
    assert n_blocks(build("convnext"), ConvNeXtBlock) == 10
    assert n_blocks(build("convnext", depths=(1, 1), widths=(8, 16)), ConvNeXtBlock) == 2
    assert build("tiny_resnet").depths == (2, 2, 2, 3)
    assert build("resnet").depths == (4, 4, 5, 5)
    with pytest.raises(ValueError, match="not num_blocks=5"):
        create_model("resnet", num_blocks=5, depths=(1, 1, 1, 1))


def test_split_blocks() -> None:
    assert split_blocks(9, 4) == (2, 2, 2, 3)
    assert split_blocks(18, 4) == (4, 4, 5, 5)
    assert split_blocks(8, 4) == (2, 2, 2, 2)
    with pytest.raises(ValueError):
        split_blocks(3, 4)


def test_count_parameters() -> None:
    model = build("tiny_resnet")
    expected = sum(p.numel() for p in model.parameters())
    assert count_parameters(model) == expected
    model.classifier.weight.requires_grad_(False)
    assert count_parameters(model) == expected - model.num_features
    assert count_parameters(model, trainable_only=False) == expected
    assert count_parameters(build("resnet")) > count_parameters(build("tiny_resnet"))


def test_glorot_bound_formula() -> None:
    # 3x3 conv 16 -> 32: fan_in 144, fan_out 288.
    assert glorot_bound((32, 16, 3, 3)) == pytest.approx(math.sqrt(6 / (144 + 288)))
    # depthwise 7x7 over 32 channels: fan_in 49, fan_out 32 * 49.
    assert glorot_bound((32, 1, 7, 7)) == pytest.approx(math.sqrt(6 / (49 + 32 * 49)))
    assert glorot_bound((1, 128)) == pytest.approx(math.sqrt(6 / 129))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_conv_weights_are_glorot_uniform(name: str) -> None:
    model = build(name, seed=3)
    scaled: list[torch.Tensor] = []
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert convs
    for conv in convs:
        weight = conv.weight.detach()
        receptive = weight[0, 0].numel()
        fan_in, fan_out = weight.shape[1] * receptive, weight.shape[0] * receptive
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        assert weight.abs().max() <= bound + 1e-7
        if weight.numel() >= 2000:
            # U(-a, a) has variance a^2 / 3; with >= 2000 draws the sample
            # variance is within ~2% (1 sd) of it.
            assert weight.var().item() == pytest.approx(bound**2 / 3, rel=0.12)
            assert weight.abs().max() > 0.95 * bound
        if conv.bias is not None:
            assert torch.count_nonzero(conv.bias) == 0
        scaled.append((weight / bound).flatten())
    pooled = torch.cat(scaled)
    # Pooled over all convs, w / bound is U(-1, 1): check quartiles.
    quartiles = torch.quantile(pooled, torch.tensor([0.25, 0.5, 0.75]))
    torch.testing.assert_close(quartiles, torch.tensor([-0.5, 0.0, 0.5]), rtol=0, atol=0.03)


def test_non_random_initial_values() -> None:
    resnet = build("resnet")
    blocks = [m for m in resnet.modules() if isinstance(m, ResidualBlock)]
    # Zero-init residual: every block starts as the identity branch-wise.
    assert all(torch.count_nonzero(b.bn2.weight) == 0 for b in blocks)
    assert all(torch.all(b.bn1.weight == 1) for b in blocks)
    plain = build("resnet", zero_init_residual=False)
    assert all(
        torch.all(m.bn2.weight == 1) for m in plain.modules() if isinstance(m, ResidualBlock)
    )
    convnext_blocks = [m for m in build("convnext").modules() if isinstance(m, ConvNeXtBlock)]
    assert all(torch.all(b.layer_scale == 1e-6) for b in convnext_blocks)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_dropout_is_paper_rate_and_train_only(name: str) -> None:
    model = build(name)
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    # One in every residual / ConvNeXt block plus one before the classifier.
    assert len(dropouts) == model.num_blocks + 1
    assert {d.p for d in dropouts} == {0.3}
    assert model.head_dropout.p == 0.3

    # Every dropout sits on the forward path: it zeroes ~30% in train mode
    # and passes its input through unchanged in eval mode.
    records: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {}
    for index, dropout in enumerate(dropouts):
        dropout.register_forward_hook(
            lambda _m, inputs, output, index=index: records.setdefault(index, []).append(
                (inputs[0], output)
            )
        )
    x = batch(size=4)
    with torch.no_grad():
        model.train()
        torch.manual_seed(10)
        train_a = model(x)
        torch.manual_seed(11)
        train_b = model(x)
        train_records = dict(records)
        records.clear()
        model.eval()
        eval_a, eval_b = model(x), model(x)
    assert sorted(train_records) == list(range(len(dropouts)))
    for index, calls in train_records.items():
        inputs, output = calls[0]
        dropped = ((output == 0) & (inputs != 0)).float().sum() / (inputs != 0).float().sum()
        assert 0.2 < dropped.item() < 0.4, (index, dropped.item())
    assert sorted(records) == list(range(len(dropouts)))
    for calls in records.values():
        for inputs, output in calls:
            assert torch.equal(inputs, output)
    assert not torch.allclose(train_a, train_b)
    assert torch.equal(eval_a, eval_b)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_deterministic_given_seed(name: str) -> None:
    first, second, other = build(name, seed=5), build(name, seed=5), build(name, seed=6)
    for key, value in first.state_dict().items():
        assert torch.equal(value, second.state_dict()[key]), key
    x = batch()
    with torch.no_grad():
        out_first, out_second = first.eval()(x), second.eval()(x)
        out_other = other.eval()(x)
    assert torch.equal(out_first, out_second)
    assert not torch.allclose(out_first, out_other)


def separable_batch(size: int = 8, n_frames: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Half bonafide (energy in low mel bands), half spoof (energy in high bands)."""
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(size, 1, N_MELS, n_frames, generator=generator)
    labels = torch.tensor([1.0, 0.0] * (size // 2))
    x[labels == 1, :, : N_MELS // 2] += 2.0
    x[labels == 0, :, N_MELS // 2 :] += 2.0
    return x, labels


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_few_adam_steps_reduce_loss(name: str) -> None:
    model = build(name, seed=7).train()
    x, labels = separable_batch()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    torch.manual_seed(8)
    for _ in range(12):
        optimiser.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert all(math.isfinite(v) for v in losses)
    assert sum(losses[-3:]) / 3 < 0.6 * losses[0], losses


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_state_dict_round_trip(name: str, tmp_path: Path) -> None:
    model = build(name, seed=1)
    x = batch(size=4)
    with torch.no_grad():
        model.train()(x)  # move the batch-norm running statistics off their init
    model.eval()
    path = tmp_path / f"{name}.pt"
    torch.save(model.state_dict(), path)
    restored = build(name, seed=2)
    restored.load_state_dict(torch.load(path, weights_only=True))
    restored.eval()
    with torch.no_grad():
        assert torch.equal(model(x), restored(x))
        assert torch.equal(model.embed(x), restored.embed(x))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_bad_input_is_rejected_clearly(name: str) -> None:
    model = build(name).eval()
    with pytest.raises(ValueError, match="input channel"):
        model(torch.zeros(2, 3, N_MELS, N_FRAMES))
    with pytest.raises(ValueError, match="shape"):
        model(torch.zeros(N_MELS, N_FRAMES))
    with pytest.raises(ValueError, match="floating point"):
        model(torch.zeros(2, 1, N_MELS, N_FRAMES, dtype=torch.int64))
    with pytest.raises(ValueError, match="smaller than the minimum"):
        model(torch.zeros(2, 1, N_MELS, model.min_input_size - 1))
    with torch.no_grad():
        assert model(torch.zeros(1, 1, model.min_input_size, model.min_input_size)).shape == (1,)


def test_invalid_hyperparameters() -> None:
    with pytest.raises(ValueError, match="dropout"):
        create_model("tiny_resnet", dropout=1.0)
    with pytest.raises(ValueError, match="depths"):
        create_model("convnext", depths=(2, 2), widths=(8, 16, 32))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_cuda_matches_cpu(name: str) -> None:
    model = build(name).eval()
    x = batch()
    allow_tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # compare full fp32 arithmetic
    try:
        with torch.no_grad():
            cpu_logits, cpu_embedding = model(x), model.embed(x)
            model.cuda()
            cuda_logits, cuda_embedding = model(x.cuda()).cpu(), model.embed(x.cuda()).cpu()
    finally:
        torch.backends.cudnn.allow_tf32 = allow_tf32
    torch.testing.assert_close(cuda_logits, cpu_logits, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(cuda_embedding, cpu_embedding, rtol=1e-4, atol=1e-4)


# ------------------------------------------------- attack head and stage embeddings


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_attack_head_is_opt_in_and_leaves_the_binary_init_unchanged(name: str) -> None:
    binary, attack = build(name, seed=4), build(name, seed=4, num_attack_classes=5)
    assert binary.num_attack_classes == 0 and not hasattr(binary, "attack_classifier")
    assert "attack_classifier" not in dict(binary.named_children())
    binary_state, attack_state = binary.state_dict(), attack.state_dict()
    # The attack head is registered last; every other tensor is the binary model's.
    assert list(attack_state) == [
        *binary_state,
        "attack_classifier.weight",
        "attack_classifier.bias",
    ]
    for key, value in binary_state.items():
        assert torch.equal(value, attack_state[key]), key
    head = attack.attack_classifier
    assert (head.in_features, head.out_features) == (attack.num_features, 5)
    assert head.weight.abs().max() <= glorot_bound(tuple(head.weight.shape)) + 1e-7
    assert torch.count_nonzero(head.bias) == 0
    with pytest.raises(ValueError, match="no attack head"):
        binary.forward_heads(binary.forward_features(batch()))


@pytest.mark.parametrize("bad", [1, -2])
def test_attack_head_needs_two_classes(bad: int) -> None:
    with pytest.raises(ValueError, match=">= 2 classes"):
        create_model("tiny_resnet", num_attack_classes=bad)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_forward_heads_share_one_embedding_and_one_dropout(name: str) -> None:
    model = build(name, seed=2, num_attack_classes=3)
    x = batch(size=4)
    with torch.no_grad():
        model.eval()
        logits, attack_logits = model.forward_heads(model.forward_features(x))
        assert logits.shape == (4,) and attack_logits.shape == (4, 3)
        assert torch.equal(logits, model(x))
        embedding = model.embed(x)
        torch.testing.assert_close(
            attack_logits, model.attack_classifier(embedding), rtol=0, atol=1e-6
        )
        model.train()  # same dropout draws as forward: the head dropout is applied once
        torch.manual_seed(9)
        train_logits, _ = model.forward_heads(model.forward_features(x))
        torch.manual_seed(9)
        assert torch.equal(train_logits, model(x))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_stage_features_and_embeddings(name: str) -> None:
    model = build(name).eval()
    x = batch(n_frames=101)
    with torch.no_grad():
        feats = model.forward_features(x)
        assert torch.equal(feats, model.stages(model.forward_stem(x)))
        assert model.num_stages == len(model.widths) == 4
        for stage in range(1, model.num_stages + 1):
            fmap = model.forward_stage(x, stage)
            assert fmap.dim() == 4 and fmap.shape[:2] == (2, model.widths[stage - 1])
            pooled = model.stage_embedding(x, stage)
            assert pooled.shape == (2, model.widths[stage - 1])
            assert torch.equal(pooled, fmap.mean(dim=(-2, -1)))
            last, from_pass = model.features_and_stage(x, stage)
            assert torch.equal(last, feats) and torch.equal(from_pass, pooled)
        assert torch.equal(model.forward_stage(x, model.num_stages), feats)
        for bad in (0, model.num_stages + 1):
            with pytest.raises(ValueError, match="out of range: the model has 4 stages"):
                model.stage_embedding(x, bad)
