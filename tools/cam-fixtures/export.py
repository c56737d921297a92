#!/usr/bin/python3
"""Generates PyTorch-exported ONNX fixtures with reference CAM maps for @gradloc/cam-explain.

Run with Debian's interpreter (python3-torch 1.13, python3-onnx 1.12):

    nice -n 19 /usr/bin/python3 tools/cam-fixtures/export.py            # every fixture
    nice -n 19 /usr/bin/python3 tools/cam-fixtures/export.py vit        # only the named ones

Output: packages/cam-explain/test/fixtures/torch/<name>/ (model.onnx, input.npy, one
reference map per (layer, method), for a fixture with several target layers one reference
map per method that every layer has with all the layers at once, a diagnostics file per
layer) and
packages/cam-explain/test/fixtures/torch/manifest.json describing all of them. The
TypeScript tests only read these files; they never run Python.

The reference maps are computed here, independently of the TypeScript code, with
pytorch-grad-cam's semantics written out again (nothing is imported from it):

* a forward hook on the target module keeps its output (the activations) and registers a
  tensor hook on that output for its gradient (pytorch-grad-cam's ActivationsAndGradients);
  for a transformer the reshape_transform drops the class token and reshapes the other
  tokens row-major to the grid, channels first;
* the target of item b is the logit of classes[b] (ClassifierOutputTarget), the items'
  targets are summed and back-propagated once;
* each method's get_cam_weights / get_cam_image formula (Grad-CAM, HiResCAM, Grad-CAM++,
  XGrad-CAM, LayerCAM, element-wise Grad-CAM, EigenCAM, EigenGradCAM, Grad-CAM with
  eigen_smooth, Ablation-CAM, Score-CAM with its align_corners=True mask upsampling;
  FullGrad needs no layer);
* pytorch-grad-cam's post-processing: per layer ReLU and scale_cam_image (per-item
  (x - min) / (max - min + 1e-7), then bilinear resizing to the input H x W, done here with
  F.interpolate(mode='bilinear', align_corners=False)), then ReLU, the mean over layers and
  scale_cam_image once more. For one layer this is min-max(upsample(ReLU(cam))) except for
  the 1e-7 epsilon, which is absolute and visible (~2e-4) on maps whose raw values are
  ~1e-4: the second scaling is part of the semantics, so it is kept. For several layers the
  order matters (each layer is scaled on its own low-resolution grid before resizing, which
  fixes how the layers are weighted in the mean), and the several-layer references follow
  it exactly.

See README.md for where the references deliberately deviate (EigenCAM's sign, the
ablation value).

The reference runs on a float64 copy of the exported float32 model (same weights, inputs
cast exactly). As in tools/torch-fixtures, the float32 model is run through the same
computation as a conditioning check: the script refuses to write a fixture when float32
rounding alone moves a map by more than 2e-4 (a tenth of the test's tolerance), which would
mean a ReLU tie or a near-zero denominator at the evaluation point, not a property of the
code under test.
"""
from __future__ import annotations

import copy
import io
import json
import math
import os
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'cam-explain', 'test', 'fixtures', 'torch')
MANIFEST = os.path.join(OUT, 'manifest.json')

# the conditioning check: torch float32 vs float64 maps (max abs, maps in [0, 1])
F32_LIMIT = 2e-4


def randomize_(model: nn.Module, gen: torch.Generator) -> None:
    """Non-trivial BatchNorm/LayerNorm statistics and parameters (fresh ones are ones and
    zeros, which would make BN folding and LN a no-op, and hide mistakes)."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.6, 1.4, generator=gen)
                mod.bias.normal_(0, 0.2, generator=gen)
                mod.running_mean.normal_(0, 0.2, generator=gen)
                mod.running_var.uniform_(0.5, 1.5, generator=gen)
            elif isinstance(mod, nn.LayerNorm):
                mod.weight.uniform_(0.6, 1.4, generator=gen)
                mod.bias.normal_(0, 0.2, generator=gen)
        for name, p in model.named_parameters():
            if p.dim() == 1 and name.endswith('bias') and torch.count_nonzero(p) == 0:
                p.normal_(0, 0.1, generator=gen)  # zero-initialised biases (MHA in_proj_bias)


# --------------------------------------------------------------------------------------
# Models (none of them is one of tools/torch-fixtures' models)
# --------------------------------------------------------------------------------------
class ConvBnRelu(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int, stride: int, pad: int):
        super().__init__(nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Residual(nn.Module):
    """conv-bn-relu-conv-bn + shortcut (1x1 conv + BN when the shape changes), then ReLU."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))
                      if stride != 1 or cin != cout else nn.Identity())
        self.act = nn.ReLU()

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return self.act(h + self.short(x))


class ResCNN(nn.Module):
    """(1) 3x32x32 -> Conv+BN+ReLU (16) -> MaxPool 2 -> Residual(16) -> Residual(16->24, stride 2)
    -> global average pool -> Linear(24, 10). Target layers: the two residual blocks (16x16, 8x8)."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = ConvBnRelu(3, 16, 3, 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.block1 = Residual(16, 16, 1)
        self.block2 = Residual(16, 24, 2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(24, classes)

    def forward(self, x):
        h = self.block2(self.block1(self.pool(self.stem(x))))
        return self.fc(torch.flatten(self.gap(h), 1))


class WideCNN(nn.Module):
    """(2) a non-square 3x48x64 input; unpadded strided convs give a 7x10 feature map, so
    the upsampling ratios 48/7 and 64/10 are not integers. GAP + Linear(20, 6)."""

    def __init__(self, classes: int = 6):
        super().__init__()
        self.c1 = ConvBnRelu(3, 12, 3, 2, 0)  # 48x64 -> 23x31
        self.c2 = ConvBnRelu(12, 20, 3, 3, 0)  # -> 7x10
        self.c3 = ConvBnRelu(20, 20, 3, 1, 1)  # -> 7x10 (target)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(20, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.gap(self.c3(self.c2(self.c1(x)))), 1))


class TinyCNN(nn.Module):
    """(4) 3x16x16 -> three stride-2 convs -> a 2x2 map (target c3), GAP + Linear(16, 4). On a
    2x2 grid Score-CAM's masks differ most between align_corners=True and half-pixel centres."""

    def __init__(self, classes: int = 4):
        super().__init__()
        self.c1 = ConvBnRelu(3, 8, 3, 2, 1)  # 16 -> 8
        self.c2 = ConvBnRelu(8, 12, 3, 2, 1)  # -> 4
        self.c3 = ConvBnRelu(12, 16, 3, 2, 1)  # -> 2 (target)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.gap(self.c3(self.c2(self.c1(x)))), 1))


class Attention(nn.Module):
    """Multi-head self-attention written out (qkv Linear, view/permute, softmax)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        hd = C // self.heads
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(hd), dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(B, N, C))


class TorchAttention(nn.Module):
    """nn.MultiheadAttention, sequence-first (no fused fast path in the export)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.mha = nn.MultiheadAttention(dim, heads)

    def forward(self, x):
        s = x.transpose(0, 1)
        a, _ = self.mha(s, s, s, need_weights=False)
        return a.transpose(0, 1)


class ViTBlock(nn.Module):
    def __init__(self, dim: int, heads: int, attn: type):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = attn(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """(3) 3x32x32, 8x8 patches (a 4x4 grid), a class token, learned positions, two pre-norm
    blocks (hand-written attention, then nn.MultiheadAttention), final LayerNorm, a head on
    the class token. Target layers: blocks.1.norm1 (pytorch-grad-cam's ViT recipe: the last
    block's first LayerNorm) and the output of blocks.0 (the residual stream)."""

    def __init__(self, dim: int = 32, heads: int = 2, classes: int = 5, grid: int = 4):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 8, 8)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, grid * grid + 1, dim) * 0.5)
        self.blocks = nn.ModuleList([ViTBlock(dim, heads, Attention), ViTBlock(dim, heads, TorchAttention)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        p = self.patch(x).flatten(2).transpose(1, 2)
        h = torch.cat([self.cls.expand(p.shape[0], -1, -1), p], dim=1) + self.pos
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.norm(h)[:, 0])


# --------------------------------------------------------------------------------------
# pytorch-grad-cam semantics, written out
# --------------------------------------------------------------------------------------
def vit_reshape(grid: tuple[int, int]) -> Callable[[torch.Tensor], torch.Tensor]:
    """pytorch-grad-cam's reshape_transform for ViTs: drop the class token, tokens -> grid,
    channels first."""
    h, w = grid

    def f(t: torch.Tensor) -> torch.Tensor:
        r = t[:, 1:, :].reshape(t.size(0), h, w, t.size(2))
        return r.transpose(2, 3).transpose(1, 2)
    return f


def activations_and_grads(model: nn.Module, module: nn.Module, x: torch.Tensor, classes: list[int],
                          reshape: Callable[[torch.Tensor], torch.Tensor] | None):
    """Forward hook for the activations, a tensor hook for the gradients; target = sum over
    items of logit[b, classes[b]]."""
    store: dict[str, torch.Tensor] = {}

    def fwd(_m, _inp, out):
        store['a'] = (reshape(out) if reshape else out).detach()

        def save_grad(g):
            store['g'] = (reshape(g) if reshape else g).detach()
        out.register_hook(save_grad)

    handle = module.register_forward_hook(fwd)
    try:
        model.zero_grad(set_to_none=True)
        xin = x.clone().requires_grad_(True)
        logits = model(xin)
        loss = sum(logits[b, c] for b, c in enumerate(classes))
        loss.backward()
    finally:
        handle.remove()
    return store['a'].numpy(), store['g'].numpy(), logits.detach().numpy()


def cam_image(method: str, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """[B, h, w] before ReLU, pytorch-grad-cam's formulas (no eigen_smooth)."""
    if method == 'gradcam':
        w = np.mean(g, axis=(2, 3))
        return (w[:, :, None, None] * a).sum(axis=1)
    if method == 'hirescam':
        return (g * a).sum(axis=1)
    if method == 'gradcam-elementwise':
        return np.maximum(g * a, 0).sum(axis=1)
    if method == 'gradcam++':
        g2 = g ** 2
        g3 = g2 * g
        sum_a = np.sum(a, axis=(2, 3))
        aij = g2 / (2 * g2 + sum_a[:, :, None, None] * g3 + 0.000001)
        aij = np.where(g != 0, aij, 0)
        w = np.sum(np.maximum(g, 0) * aij, axis=(2, 3))
        return (w[:, :, None, None] * a).sum(axis=1)
    if method == 'xgradcam':
        sum_a = np.sum(a, axis=(2, 3))
        w = (g * a / (sum_a[:, :, None, None] + 1e-7)).sum(axis=(2, 3))
        return (w[:, :, None, None] * a).sum(axis=1)
    if method == 'layercam':
        return (np.maximum(g, 0) * a).sum(axis=1)
    if method == 'eigencam':
        return projection_2d(a)
    if method == 'eigengradcam':
        return projection_2d(g * a)
    if method == 'gradcam@eigenSmooth':  # Grad-CAM with eigen_smooth=True
        w = np.mean(g, axis=(2, 3))
        return projection_2d(w[:, :, None, None] * a)
    raise ValueError(method)


def projection_2d(batch: np.ndarray) -> np.ndarray:
    """pytorch-grad-cam's get_2d_projection: per item, positions x channels, columns centred,
    projected on the first right singular vector (numpy SVD). An SVD fixes that vector only up
    to sign, and pytorch-grad-cam keeps whatever LAPACK returns; @gradloc/cam-explain documents
    its choice (the sign whose projection correlates positively with the positions' summed,
    uncentred values), so that rule is applied here to make the reference deterministic."""
    out = []
    for act in batch:
        X = act.reshape(act.shape[0], -1).T
        Xc = X - X.mean(axis=0)
        _, _, vt = np.linalg.svd(Xc, full_matrices=True)
        p = Xc @ vt[0, :]
        if float(X.sum(axis=1) @ p) < 0:
            p = -p
        out.append(p.reshape(act.shape[1:]))
    return np.stack(out)


def singular_gap(batch: np.ndarray) -> list[float]:
    """s1 / s2 of the centred positions x channels matrix per item (power iteration converges
    like (s2 / s1)^2 per step: a gap near 1 is the hard case)."""
    gaps = []
    for act in batch:
        X = act.reshape(act.shape[0], -1).T
        s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
        gaps.append(float(s[0] / s[1]))
    return gaps


def scale_cam_image(cam: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """pytorch-grad-cam's scale_cam_image: per item (x - min) / (max - min + 1e-7), then (if
    a size is given) bilinear resizing. pytorch-grad-cam resizes with cv2.resize(INTER_LINEAR),
    which for float maps is half-pixel bilinear interpolation without antialiasing, i.e.
    F.interpolate(mode='bilinear', align_corners=False)."""
    lo = cam.min(axis=(1, 2), keepdims=True)
    hi = cam.max(axis=(1, 2), keepdims=True)
    cam = (cam - lo) / (hi - lo + 1e-7)
    if size is None:
        return cam
    t = torch.from_numpy(np.ascontiguousarray(cam))[:, None]
    return F.interpolate(t, size=size, mode='bilinear', align_corners=False)[:, 0].numpy()


def finish(cams: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """pytorch-grad-cam's compute_cam_per_layer + aggregate_multi_layers for raw per-layer
    maps [B, h, w]: per layer ReLU and scale_cam_image(cam, size); then ReLU, mean over the
    layers and scale_cam_image again.

    The second scaling is not cosmetic: the 1e-7 epsilon is absolute, so a layer map whose
    values are ~1e-4 comes out of the first scaling with its maximum at 1 - 1e-7 / range,
    visibly below 1, and only the second scaling (on a ~[0, 1] map) brings it to 1."""
    per_layer = [scale_cam_image(np.maximum(c, 0), size) for c in cams]
    return scale_cam_image(np.mean(np.maximum(np.stack(per_layer, axis=1), 0), axis=1))


def ablation_weights(model: nn.Module, module: nn.Module, x: torch.Tensor, classes: list[int], tokens: bool) -> np.ndarray:
    """Ablation-CAM's weights (y - y_k) / y [B, K], y_k = the target logit with channel k of
    the module's output set to zero (for tokens: feature k of every token, class token
    included, as pytorch-grad-cam's AblationLayerVit). Zero is the paper's ablation value;
    pytorch-grad-cam also uses it when the layer's minimum is 0 (post-ReLU layers) and
    min - 1e7 otherwise."""
    rows = list(range(x.shape[0]))
    with torch.no_grad():
        y = model(x)[rows, classes]
        probe: dict[str, torch.Tensor] = {}
        h = module.register_forward_hook(lambda _m, _i, o: probe.__setitem__('o', o))
        model(x)
        h.remove()
        K = probe['o'].shape[-1] if tokens else probe['o'].shape[1]
        w = torch.zeros(x.shape[0], K, dtype=y.dtype)
        for k in range(K):
            def ablate(_m, _i, out, k=k):
                out = out.clone()
                if tokens:
                    out[..., k] = 0
                else:
                    out[:, k] = 0
                return out
            h = module.register_forward_hook(ablate)
            yk = model(x)[rows, classes]
            h.remove()
            w[:, k] = (y - yk) / y
    return w.numpy()


def scorecam_weights(model: nn.Module, module: nn.Module, x: torch.Tensor, classes: list[int]) -> np.ndarray:
    """Score-CAM's weights [B, K] as pytorch-grad-cam's ScoreCAM computes them: the layer's
    activations upsampled to the input size by nn.UpsamplingBilinear2d (align_corners=True),
    per channel (u - min) / (max - min + 1e-8), each mask times the input, the target logit of
    every masked copy, softmax over the channels."""
    with torch.no_grad():
        probe: dict[str, torch.Tensor] = {}
        h = module.register_forward_hook(lambda _m, _i, o: probe.__setitem__('o', o))
        model(x)
        h.remove()
        up = nn.UpsamplingBilinear2d(size=tuple(x.shape[-2:]))(probe['o'])
        flat = up.view(up.size(0), up.size(1), -1)
        lo, hi = flat.min(dim=-1)[0][:, :, None, None], flat.max(dim=-1)[0][:, :, None, None]
        masks = (up - lo) / (hi - lo + 1e-8)
        scores = torch.stack([model(x[b][None] * masks[b][:, None])[:, classes[b]] for b in range(x.shape[0])])
        return torch.softmax(scores, dim=-1).numpy()


def fullgrad_map(model: nn.Module, x: torch.Tensor, classes: list[int], size: tuple[int, int]) -> np.ndarray:
    """pytorch-grad-cam's FullGrad: |x * dy/dx| plus, for every Conv2d with a bias and every
    BatchNorm2d (effective bias beta - mean * gamma / sqrt(var + eps)), |bias * dy/dz| of the
    module output z; every channel plane scaled with scale_cam_image (min-max, resize), all
    planes summed, then scale_cam_image once more."""
    sites = [m for m in model.modules() if type(m) in (nn.Conv2d, nn.BatchNorm2d) and m.bias is not None]
    grads: dict[nn.Module, torch.Tensor] = {}
    hooks = []
    for m in sites:
        def fwd(mod, _i, out):
            out.register_hook(lambda g, mod=mod: grads.__setitem__(mod, g.detach()))
        hooks.append(m.register_forward_hook(fwd))
    try:
        model.zero_grad(set_to_none=True)
        xin = x.clone().requires_grad_(True)
        logits = model(xin)
        sum(logits[b, c] for b, c in enumerate(classes)).backward()
    finally:
        for h in hooks:
            h.remove()

    def per_channel(t: np.ndarray) -> np.ndarray:
        B, C = t.shape[:2]
        return scale_cam_image(t.reshape(B * C, *t.shape[2:]), size).reshape(B, C, *size)

    total = per_channel(np.abs(xin.grad.detach().numpy() * x.detach().numpy())).sum(axis=1)
    for m in sites:
        with torch.no_grad():
            if isinstance(m, nn.BatchNorm2d):
                bias = m.bias - m.running_mean * m.weight / torch.sqrt(m.running_var + m.eps)
            else:
                bias = m.bias
        total = total + per_channel(np.abs(bias.detach().numpy()[None, :, None, None] * grads[m].numpy())).sum(axis=1)
    return scale_cam_image(total)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a.ravel() - a.mean()
    b = b.ravel() - b.mean()
    return float((a @ b) / math.sqrt((a @ a) * (b @ b)))


# --------------------------------------------------------------------------------------
# Finding the ONNX tensor of a module's output
# --------------------------------------------------------------------------------------
def scope_of(model: nn.Module, path: str) -> str:
    """torch 1.13's node-name scope of a submodule, e.g. 'blocks.1.norm1' -> '/blocks.1/norm1/'.

    Every called module adds a segment: its attribute name, except that a child of a
    container (Sequential, ModuleList) is named '<container name>.<index>'; a ModuleList is
    never called itself, so it adds no segment of its own."""
    parts = path.split('.')
    segs: list[str] = []
    mod = model
    i = 0
    while i < len(parts):
        child = getattr(mod, parts[i])
        if isinstance(child, nn.ModuleList):
            seg = f'{parts[i]}.{parts[i + 1]}'
            mod = child[int(parts[i + 1])]
            i += 2
        else:
            seg = parts[i]
            if isinstance(mod, nn.Sequential) and segs:
                seg = f'{segs[-1].split("/")[-1]}.{parts[i]}'
            mod = child
            i += 1
        segs.append(seg)
    return '/' + '/'.join(segs) + '/'


def module_output(graph: onnx.GraphProto, scope: str) -> tuple[str, str]:
    """The one tensor produced by a node inside `scope` and read outside it (or a graph
    output): the module's output. Returns (tensor, node name)."""
    inside = [n for n in graph.node if n.name.startswith(scope)]
    produced = {o: n.name for n in inside for o in n.output}
    read_outside = {i for n in graph.node if not n.name.startswith(scope) for i in n.input}
    outs = {o.name for o in graph.output}
    hits = sorted(t for t in produced if t in read_outside or t in outs)
    if len(hits) != 1:
        raise SystemExit(f'scope {scope}: expected one output tensor, found {hits}; '
                         f'nodes: {[n.name for n in inside]}')
    return hits[0], produced[hits[0]]


def static_dims(proto: onnx.ModelProto, name: str) -> list:
    inferred = onnx.shape_inference.infer_shapes(proto)
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        if vi.name == name:
            return [d.dim_value if d.HasField('dim_value') else d.dim_param for d in vi.type.tensor_type.shape.dim]
    return []


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------
ALL_METHODS = ['gradcam', 'hirescam', 'gradcam++', 'xgradcam', 'layercam', 'gradcam-elementwise', 'ablationcam']
EIGEN_METHODS = ['eigencam', 'eigengradcam', 'gradcam@eigenSmooth']


@dataclass
class Layer:
    module: str  # dotted module path, as for pytorch-grad-cam's target_layers
    methods: list[str]
    vit_grid: tuple[int, int] | None = None  # tokens: class token + grid


@dataclass
class Spec:
    name: str
    description: str
    make: Callable[[], nn.Module]
    image: tuple[int, int, int]  # C, H, W
    layers: list[Layer]
    seed: int
    opset: int = 17
    whole: list[str] = field(default_factory=lambda: ['fullgrad'])  # methods without a layer


def specs() -> list[Spec]:
    return [
        Spec('rescnn', 'ResCNN: Conv+BN+ReLU stem, MaxPool, two residual blocks (identity and 1x1-conv+BN '
             'shortcut, stride 2), global average pool, Linear; BN folded by the export',
             ResCNN, (3, 32, 32),
             [Layer('block1', ALL_METHODS + EIGEN_METHODS), Layer('block2', ALL_METHODS + ['scorecam'])], seed=101),
        Spec('widecnn', 'WideCNN: non-square 48x64 input, unpadded strided convs -> a 7x10 feature map '
             '(non-integer upsampling ratios 48/7 and 64/10)',
             WideCNN, (3, 48, 64), [Layer('c2', ALL_METHODS + EIGEN_METHODS + ['scorecam']), Layer('c3', ['gradcam'])], seed=202),
        Spec('tinycnn', 'TinyCNN: 16x16 input, three stride-2 convs -> a 2x2 map, where the upsampling '
             'convention (Score-CAM: align_corners=True) matters most',
             TinyCNN, (3, 16, 16), [Layer('c3', ['gradcam', 'scorecam'])], seed=404),
        Spec('vit', 'ViT: 8x8 patches of a 32x32 image (4x4 grid) + class token, hand-written attention '
             'block then nn.MultiheadAttention block, LayerNorm, GELU MLP; token layers as targets',
             ViT, (3, 32, 32),
             [Layer('blocks.1.norm1', ['gradcam', 'hirescam', 'layercam', 'ablationcam'] + EIGEN_METHODS, vit_grid=(4, 4)),
              Layer('blocks.0', ['gradcam', 'ablationcam'], vit_grid=(4, 4))], seed=303),
    ]


def images(gen: torch.Generator, b: int, c: int, h: int, w: int) -> torch.Tensor:
    """Smooth random structure plus pixel noise, so maps have blobs rather than pure noise."""
    coarse = torch.randn(b, c, max(2, h // 8), max(2, w // 8), generator=gen)
    smooth = F.interpolate(coarse, size=(h, w), mode='bilinear', align_corners=False)
    return smooth + 0.3 * torch.randn(b, c, h, w, generator=gen)


def export(model: nn.Module, x: torch.Tensor, opset: int) -> onnx.ModelProto:
    f = io.BytesIO()
    torch.onnx.export(model, (x,), f, opset_version=opset, input_names=['x'], output_names=['logits'],
                      dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)
    m = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(m)
    return m


def build(spec: Spec) -> dict:
    gen = torch.Generator().manual_seed(spec.seed)
    torch.manual_seed(spec.seed)
    model = spec.make()
    randomize_(model, gen)
    model.eval()
    C, H, W = spec.image
    trace = images(gen, 3, C, H, W)  # traced with batch 3, run with batch 2: the batch axis is dynamic
    x = images(gen, 2, C, H, W)

    proto = export(model, trace, spec.opset)
    outdir = os.path.join(OUT, spec.name)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    onnx.save(proto, os.path.join(outdir, 'model.onnx'))
    np.save(os.path.join(outdir, 'input.npy'), x.numpy().astype(np.float32))

    m64 = copy.deepcopy(model).double().eval()
    m32 = model
    entry: dict = {
        'name': spec.name,
        'description': spec.description,
        'dir': spec.name,
        'model': 'model.onnx',
        'opset': spec.opset,
        'input': {'name': 'x', 'file': 'input.npy', 'dims': list(x.shape)},
        'output': 'logits',
        'layers': [],
        'ops': dict(sorted(Counter(n.op_type for n in proto.graph.node).items())),
    }
    # locate each target layer's ONNX tensor first
    located = []
    for layer in spec.layers:
        scope = scope_of(model, layer.module)
        tensor, node = module_output(proto.graph, scope)
        dims = static_dims(proto, tensor)
        with torch.no_grad():
            hooked: dict[str, torch.Tensor] = {}
            h = m32.get_submodule(layer.module).register_forward_hook(lambda _m, _i, o: hooked.__setitem__('o', o))
            m32(x)
            h.remove()
        out_dims = list(hooked['o'].shape)
        # the located ONNX tensor must have the module output's shape (batch axis aside)
        if dims and dims[1:] != out_dims[1:]:
            raise SystemExit(f'{spec.name}/{layer.module}: ONNX tensor {tensor} has dims {dims}, module output {out_dims}')
        located.append((scope, tensor, node, out_dims))

    def references(classes: list[int]):
        """Per layer: (a64, g64, logits, {method: (ref map, f32-vs-f64 max abs per item)})."""
        out = []
        for layer in spec.layers:
            reshape = vit_reshape(layer.vit_grid) if layer.vit_grid else None
            a64, g64, logits64 = activations_and_grads(m64, m64.get_submodule(layer.module), x.double(), classes, reshape)
            a32, g32, _ = activations_and_grads(m32, m32.get_submodule(layer.module), x, classes, reshape)
            maps = {}
            for method in layer.methods:
                if method == 'scorecam':
                    w64 = scorecam_weights(m64, m64.get_submodule(layer.module), x.double(), classes)
                    w32 = scorecam_weights(m32, m32.get_submodule(layer.module), x, classes).astype(np.float64)
                    raw64 = (w64[:, :, None, None] * a64).sum(axis=1)
                    raw32 = (w32[:, :, None, None] * a32.astype(np.float64)).sum(axis=1)
                elif method == 'ablationcam':
                    tok = layer.vit_grid is not None
                    w64 = ablation_weights(m64, m64.get_submodule(layer.module), x.double(), classes, tok)
                    w32 = ablation_weights(m32, m32.get_submodule(layer.module), x, classes, tok).astype(np.float64)
                    raw64 = (w64[:, :, None, None] * a64).sum(axis=1)
                    raw32 = (w32[:, :, None, None] * a32.astype(np.float64)).sum(axis=1)
                else:
                    raw64 = cam_image(method, a64, g64)
                    raw32 = cam_image(method, a32.astype(np.float64), g32.astype(np.float64))
                ref = finish([raw64], (H, W))
                maps[method] = (ref, np.abs(ref - finish([raw32], (H, W))).max(axis=(1, 2)), raw64, raw32)
            if not out:  # layer-free methods, computed once (with the first layer)
                for method in spec.whole:
                    ref = fullgrad_map(m64, x.double(), classes, (H, W))
                    r32 = fullgrad_map(m32, x, classes, (H, W))
                    maps['@' + method] = (ref, np.abs(ref - r32).max(axis=(1, 2)), None, None)
            out.append((a64, g64, logits64, maps))
        return out

    # methods that every target layer has: their several-layer references
    shared = ([m for m in spec.layers[0].methods if all(m in l.methods for l in spec.layers)]
              if len(spec.layers) > 1 else [])

    def multi_references(refs) -> dict:
        """{method: (ref map, f32-vs-f64 max abs per item)} for all target layers at once,
        pytorch-grad-cam's compute_cam_per_layer + aggregate_multi_layers (finish) on the
        layers' raw maps: per layer ReLU, scaling on the low-res grid, resizing; then ReLU,
        mean over the layers, scaling."""
        out = {}
        for method in shared:
            ref = finish([maps[method][2] for _, _, _, maps in refs], (H, W))
            r32 = finish([maps[method][3] for _, _, _, maps in refs], (H, W))
            out[method] = (ref, np.abs(ref - r32).max(axis=(1, 2)))
        return out

    def usable(refs, b: int) -> bool:
        """Item b's maps are well-conditioned (float32 rounding moves them by < F32_LIMIT) and
        not degenerate (a ReLU'd map that is all zeros tells nothing)."""
        checked = [(ref, err) for _, _, _, maps in refs for ref, err, _, _ in maps.values()]
        checked += list(multi_references(refs).values())
        for a64, g64, _, maps in refs:
            if float(np.abs(g64[b]).max()) == 0.0:
                return False
        for ref, err in checked:
            if err[b] > F32_LIMIT or not ref[b].max() > 0.99 or float(ref[b].std()) < 0.05:
                return False
        return True

    def mixed(refs, b: int) -> bool:
        """The first layer's first method has a raw map that is negative on 20-80% of the
        grid, so the ReLU before upsampling matters (with all-positive maps it would not)."""
        a64, g64, _, _ = refs[0]
        cam = cam_image(spec.layers[0].methods[0], a64, g64)[b]
        return 0.2 <= float((cam < 0).mean()) <= 0.8

    # classes: item b takes the highest-scoring class (not already taken by item 0, so the
    # items explain different classes) whose maps are usable, preferring mixed-sign maps
    with torch.no_grad():
        logits32 = m32(x).numpy()
    classes: list[int] = []
    for b in range(x.shape[0]):
        order = [int(c) for c in np.argsort(-logits32[b]) if int(c) not in classes]
        cands = [(c, references([c] * x.shape[0])) for c in order]
        good = [c for c, r in cands if usable(r, b) and mixed(r, b)] or [c for c, r in cands if usable(r, b)]
        if not good:
            raise SystemExit(f'{spec.name}: no usable class for item {b}; pick another seed')
        classes.append(good[0])
    entry['classes'] = classes
    refs = references(classes)
    for layer, (scope, tensor, node, out_dims), (a64, g64, logits64, maps) in zip(spec.layers, located, refs):
        lname = layer.module.replace('.', '_')
        # diagnostics: per-channel means of activations and gradients (= Grad-CAM weights), [2, B, K]
        diag = np.stack([a64.mean(axis=(2, 3)), g64.mean(axis=(2, 3))]).astype(np.float32)
        np.save(os.path.join(outdir, f'diag_{lname}.npy'), diag)
        lentry: dict = {
            'module': layer.module,
            'scope': scope,
            'tensor': tensor,
            'node': node,
            'dims': out_dims,
            'grid': list(a64.shape[2:]),
            'diag': f'diag_{lname}.npy',
            'maps': {},
            'torch_f32_vs_f64_max_abs': {},
        }
        if layer.vit_grid:
            lentry['tokens'] = {'prefixTokens': 1, 'grid': list(layer.vit_grid)}
        for method, (ref, err, raw, _) in maps.items():
            if method.startswith('@'):
                f = f'{method[1:]}.npy'
                np.save(os.path.join(outdir, f), ref.astype(np.float32))
                entry.setdefault('whole', {})[method[1:]] = {'file': f, 'torch_f32_vs_f64_max_abs': float(err.max())}
                print(f'  {spec.name} {"(no layer)":16s} {method[1:]:20s} f32-vs-f64 {err.max():.1e}')
                continue
            f = f'{lname}__{method.replace("+", "p").replace("@", "_")}.npy'
            np.save(os.path.join(outdir, f), ref.astype(np.float32))
            lentry['maps'][method] = f
            lentry['torch_f32_vs_f64_max_abs'][method] = float(err.max())
            neg = (raw < 0).mean(axis=(1, 2))
            lentry.setdefault('raw_negative_share', {})[method] = [round(float(v), 3) for v in neg]
            if 'eigen' in method:
                data = {'eigencam': a64, 'eigengradcam': g64 * a64}.get(method, g64.mean(axis=(2, 3))[:, :, None, None] * a64)
                lentry.setdefault('singular_gap', {})[method] = [round(v, 3) for v in singular_gap(data)]
            print(f'  {spec.name} {layer.module:16s} {method:20s} f32-vs-f64 {err.max():.1e}  '
                  f'raw map negative on {[round(float(v), 2) for v in neg]}')
        entry['layers'].append(lentry)
        entry['logits'] = logits64.tolist()
    if shared:
        # several layers at once: the layers in the manifest's order (the mean does not depend on it)
        stem = '+'.join(l.module.replace('.', '_') for l in spec.layers)
        mentry: dict = {
            'modules': [l.module for l in spec.layers],
            'tensors': [t for _, t, _, _ in located],
            'maps': {},
            'torch_f32_vs_f64_max_abs': {},
            'max_abs_vs_resize_then_scale': {},
        }
        for method, (ref, err) in multi_references(refs).items():
            f = f'{stem}__{method.replace("+", "p").replace("@", "_")}.npy'
            np.save(os.path.join(outdir, f), ref.astype(np.float32))
            # the other order (per layer: resize, then scale; i.e. the mean of the single-layer
            # references, ReLU, scaling) for comparison: how much the order matters here
            other = scale_cam_image(np.maximum(np.mean([maps[method][0] for _, _, _, maps in refs], axis=0), 0))
            mentry['maps'][method] = f
            mentry['torch_f32_vs_f64_max_abs'][method] = float(err.max())
            mentry['max_abs_vs_resize_then_scale'][method] = round(float(np.abs(other - ref).max()), 4)
            print(f'  {spec.name} {stem:16s} {method:20s} f32-vs-f64 {err.max():.1e}  '
                  f'vs resize-then-scale {np.abs(other - ref).max():.3f}')
        entry['multiLayer'] = mentry
    size = sum(os.path.getsize(os.path.join(outdir, f)) for f in os.listdir(outdir))
    print(f'{spec.name}: {size / 1024:.1f} KiB, layers {[l["tensor"] for l in entry["layers"]]}')
    return entry


def main(argv: list[str]) -> None:
    wanted = set(argv)
    all_specs = specs()
    unknown = wanted - {s.name for s in all_specs}
    if unknown:
        raise SystemExit(f'unknown fixtures: {sorted(unknown)}')
    os.makedirs(OUT, exist_ok=True)
    previous = {}
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as fh:
            previous = {e['name']: e for e in json.load(fh)['fixtures']}
    entries = []
    for s in all_specs:
        if not wanted or s.name in wanted:
            entries.append(build(s))
        elif s.name in previous:
            entries.append(previous[s.name])
    manifest = {
        'generator': f'tools/cam-fixtures/export.py (torch {torch.__version__}, onnx {onnx.__version__})',
        'reference': 'pytorch-grad-cam semantics re-implemented in torch/numpy on a float64 copy of the exported model',
        'postprocess': ("per layer: ReLU -> (x - min) / (max - min + 1e-7) per item on the layer's grid -> "
                        "F.interpolate(bilinear, align_corners=False) to H x W; then ReLU -> mean over the layers -> "
                        "(x - min) / (max - min + 1e-7) per item (pytorch-grad-cam's scale_cam_image and aggregate_multi_layers)"),
        'fixtures': entries,
    }
    with open(MANIFEST, 'w') as fh:
        json.dump(manifest, fh, indent=1)
        fh.write('\n')
    if not wanted:
        names = {s.name for s in all_specs}
        for d in os.listdir(OUT):
            if d not in names and os.path.isdir(os.path.join(OUT, d)):
                shutil.rmtree(os.path.join(OUT, d))


if __name__ == '__main__':
    main(sys.argv[1:])
