#!/usr/bin/python3
"""Generates PyTorch-exported ONNX fixtures with torch.autograd reference gradients.

Run with Debian's interpreter (python3-torch 1.13, python3-onnx 1.12):

    /usr/bin/python3 tools/torch-fixtures/export.py            # every fixture
    /usr/bin/python3 tools/torch-fixtures/export.py vit_op17   # only the named ones

Output: packages/tensor-backend/test/fixtures/torch/<name>/ with model.onnx, input npy
files, meta.json and reference npy files. The TypeScript tests only read these files;
they never run Python.

Reference values come from a float64 copy of the exported float32 model (same weights,
inputs cast exactly), so the reference is exact to ~1e-15. As a sanity check each
fixture also differentiates the float32 model with torch and refuses to write the
fixture if float32 arithmetic alone moves a gradient by more than 1e-5 of its largest
reference value (that would mean a tie/kink near the evaluation point, not a bug).
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import os
import re
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
from onnx import numpy_helper

torch.set_num_threads(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'tensor-backend', 'test', 'fixtures', 'torch')

# --------------------------------------------------------------------------------------
# Taps: intermediate tensors whose gradient we also want (retain_grad in the reference
# run; inert while exporting).
# --------------------------------------------------------------------------------------
_TAPS: dict[str, torch.Tensor] | None = None


def tap(name: str, t: torch.Tensor) -> torch.Tensor:
    if _TAPS is not None:
        t.retain_grad()
        _TAPS[name] = t
    return t


def randomize_(model: nn.Module, gen: torch.Generator) -> None:
    """Gives every parameter and buffer distinct non-trivial values.

    Fresh BatchNorm/LayerNorm parameters are all ones/zeros; the exporter deduplicates
    equal initializers, and equal values would make the value-based weight mapping
    ambiguous. Weights keep their default (random) init scale."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
                mod.weight.uniform_(0.6, 1.4, generator=gen)
                mod.bias.normal_(0, 0.2, generator=gen)
                mod.running_mean.normal_(0, 0.2, generator=gen)
                mod.running_var.uniform_(0.5, 1.5, generator=gen)
            elif isinstance(mod, nn.LayerNorm):
                mod.weight.uniform_(0.6, 1.4, generator=gen)
                mod.bias.normal_(0, 0.2, generator=gen)
        for name, p in model.named_parameters():
            if p.dim() == 1 and name.endswith('bias') and torch.count_nonzero(p) == 0:
                p.normal_(0, 0.1, generator=gen)  # zero-initialised biases (e.g. MHA in_proj_bias)


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------
class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        # a 1x1 shortcut conv with bias and no BN: its weights survive BN folding by name
        self.down = nn.Conv2d(cin, cout, 1, stride, 0, bias=True) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        h = self.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        s = self.down(x) if self.down is not None else x
        return self.relu(h + s)


class SmallCNN(nn.Module):
    """(a) Conv(s2,p1)+BN+ReLU, MaxPool(3,2,1), two residual blocks, AdaptiveAvgPool(1), Linear."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = ResBlock(8, 8, 1)
        self.layer2 = ResBlock(8, 12, 2)
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, classes)

    def forward(self, x):
        h = tap('stem_relu', self.relu(self.bn1(self.conv1(x))))
        h = self.pool(h)
        h = tap('layer1_out', self.layer1(h))
        h = self.layer2(h)
        h = torch.flatten(self.avg(h), 1)
        return self.fc(h)


class ConvZoo(nn.Module):
    """(b) depthwise conv, grouped+dilated conv, ConvTranspose, bilinear and nearest upsampling."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(4, 4, 3, 1, 1, groups=4)
        self.grouped = nn.Conv2d(4, 6, 3, 1, padding=2, dilation=2, groups=2)
        self.convt = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1)
        self.convt_g = nn.ConvTranspose2d(6, 4, 2, stride=2, groups=2, bias=False)
        self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.mix = nn.Conv2d(12, 3, 1)

    def forward(self, x):
        a = torch.tanh(self.dw(x))
        b = tap('grouped_act', F.silu(self.grouped(a)))
        c = self.convt(b)  # 2x spatial
        d = self.convt_g(b)  # 2x spatial, grouped
        e = self.up(a)  # 2x spatial (bilinear, half-pixel)
        f = F.interpolate(x, scale_factor=2.0, mode='nearest')
        return self.mix(torch.cat([c + d, e, f], dim=1))


class HandAttention(nn.Module):
    """Attention written out with view/permute/softmax (what many repos do)."""

    def __init__(self, dim: int, heads: int, causal_len: int = 0):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.causal = causal_len > 0
        if self.causal:
            self.register_buffer('mask', torch.tril(torch.ones(causal_len, causal_len)).view(1, 1, causal_len, causal_len))

    def forward(self, x, tap_name: str | None = None):
        B, T, C = x.size()
        hd = C // self.heads
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.heads, hd).transpose(1, 2)
        k = k.view(B, T, self.heads, hd).transpose(1, 2)
        v = v.view(B, T, self.heads, hd).permute(0, 2, 1, 3)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        if self.causal:
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        if tap_name:
            att = tap(tap_name, att)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.proj = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.proj(self.act(self.fc(x)))


class TinyViT(nn.Module):
    """(c) patch conv, cls token, pos-embed, LayerNorm, one hand-written attention block,
    one nn.MultiheadAttention block, GELU MLPs, classifier on the cls token."""

    def __init__(self, dim: int = 16, classes: int = 5):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 4, 4)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 10, dim) * 0.5)
        self.ln1 = nn.LayerNorm(dim)
        self.attn1 = HandAttention(dim, 2)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp1 = Mlp(dim, 2 * dim)
        self.ln3 = nn.LayerNorm(dim)
        self.attn2 = nn.MultiheadAttention(dim, 2)  # seq-first: no fused fast path
        self.ln4 = nn.LayerNorm(dim)
        self.mlp2 = Mlp(dim, 2 * dim)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        p = self.patch(x).flatten(2).transpose(1, 2)  # B,9,D
        h = torch.cat([self.cls.expand(p.shape[0], -1, -1), p], dim=1) + self.pos
        h = tap('tokens', h)
        h = h + self.attn1(tap('ln1_out', self.ln1(h)), tap_name='attn1_probs')
        h = h + self.mlp1(self.ln2(h))
        s = self.ln3(h).transpose(0, 1)
        a, _ = self.attn2(s, s, s, need_weights=False)
        h = h + a.transpose(0, 1)
        h = tap('block2_mid', h)
        h = h + self.mlp2(self.ln4(h))
        return self.head(self.norm(h)[:, 0])


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, ctx: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = HandAttention(dim, heads, causal_len=ctx)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x, tap_name: str | None = None):
        x = x + self.attn(self.ln1(x), tap_name=tap_name)
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    """(d) token+position embeddings, causal masked attention (masked_fill -> Where),
    fused qkv + split, GELU MLP, LayerNorm, LM head, F.cross_entropy as the output."""

    def __init__(self, vocab: int = 13, dim: int = 16, heads: int = 2, layers: int = 2, ctx: int = 12):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(ctx, dim)
        self.blocks = nn.ModuleList([Block(dim, heads, ctx) for _ in range(layers)])
        self.lnf = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, idx, targets):
        B, T = idx.size()
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = tap('embed', self.tok(idx) + self.pos(pos))
        for i, b in enumerate(self.blocks):
            x = b(x, tap_name='attn0_probs' if i == 0 else None)
            if i == 0:
                x = tap('block0_out', x)
        logits = self.head(self.lnf(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


# (e) the ops zoo, in four groups so a failure points at a handful of ops.
class ZooUnary(nn.Module):
    """Sigmoid, Tanh, LeakyRelu, Elu, Clip (hardtanh, clamp min only, relu6), Pow (const and
    tensor exponent), Sqrt, Div, Reciprocal, Exp, Log, Abs, Neg, Softplus, HardSigmoid,
    HardSwish, Erf, Where."""

    def forward(self, x, y):
        p = y * y + 0.5  # positive
        parts = [
            torch.sigmoid(x) * torch.tanh(y),
            F.leaky_relu(x, 0.1) + F.elu(y),
            F.hardtanh(x, -0.5, 0.7) + torch.clamp(y, min=-0.3) + F.relu6(3 * x),
            torch.pow(p, 1.5) + x ** 2 + torch.sqrt(p),
            torch.pow(p, torch.sigmoid(x)),
            x / p + torch.reciprocal(p) - y,
            torch.exp(0.3 * x) + torch.log(p) + torch.abs(x),
            F.softplus(x) + F.hardsigmoid(y) + F.hardswish(x),
            torch.erf(x) + torch.where(x > y, x * y, -x),
        ]
        return torch.cat([t.reshape(t.shape[0], -1) for t in parts], dim=1)


class ZooBinary(nn.Module):
    """Broadcasting Add/Sub/Mul/Div with a parameter, Min/Max (torch.minimum/maximum),
    MatMul with a weight, batched MatMul, MatMul with broadcast batch dims."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(5, 4) * 0.5)
        self.b = nn.Parameter(torch.randn(1, 6, 1) * 0.5)

    def forward(self, x, y):
        r = y[:, :, :, :1]  # broadcast along the last axis
        parts = [
            torch.minimum(x, y) + torch.maximum(x, 0.5 * y),
            x * r - y / (r * r + 1.0) + self.b,
            torch.matmul(x, self.w),  # (B,3,6,5)@(5,4)
            torch.matmul(x, y.transpose(-1, -2)),  # batched (B,3,6,6)
            torch.matmul(x[:, :1], y.transpose(-1, -2)),  # broadcast batch dims
        ]
        return torch.cat([t.reshape(t.shape[0], -1) for t in parts], dim=1)


class ZooShape(nn.Module):
    """Gather/index_select (repeated indices), Slice with steps and negative steps (flip),
    narrow, Concat, Expand, Tile (repeat), Pad (constant and reflect), Transpose/permute,
    Squeeze/Unsqueeze, Reshape/flatten, Split/chunk."""

    def forward(self, x, y):
        idx = torch.tensor([4, 0, 2, 2])
        c0, c1 = torch.chunk(y, 2, dim=2)
        parts = [
            torch.index_select(x, 3, idx),
            x[:, :, 1::2, ::2] * y[:, :, :5:2, ::2],
            x.narrow(3, 1, 3) - x[:, :, -2:, 1:4].sum(dim=2, keepdim=True),
            torch.flip(y, dims=[2]),
            torch.cat([x, y * 2.0], dim=1),
            x[:, :1].expand(x.shape[0], 3, 6, 5) * y,
            x.repeat(1, 2, 1, 1),
            F.pad(x, (1, 2, 0, 1), value=0.5),
            F.pad(y, (1, 1, 2, 0), mode='reflect'),
            x.transpose(2, 3) * y.permute(0, 1, 3, 2),
            x[:, :1].squeeze(1).unsqueeze(1).unsqueeze(-1),
            torch.flatten(c0 * c1, 1) + x[:, 2, 1:4, 0:1].reshape(x.shape[0], -1).mean(1, keepdim=True),
            x[:, 1, 2:3] * y[..., 3, None][:, 0],
        ]
        return torch.cat([t.reshape(t.shape[0], -1) for t in parts], dim=1)


class ZooReduce(nn.Module):
    """ReduceMean/ReduceSum/ReduceMax/ReduceMin over dims with and without keepdim,
    Softmax/LogSoftmax on several axes, AveragePool (count_include_pad False, ceil_mode),
    MaxPool with ceil_mode, F.normalize (ReduceL2, Clip, Expand, Div), variance via
    mean of squares, full sum."""

    def forward(self, x, y):
        parts = [
            x.mean(dim=(2, 3), keepdim=True) * y,
            y.sum(dim=1),
            x.amax(dim=3, keepdim=True) + y.amin(dim=2, keepdim=True),
            torch.softmax(x, dim=1) * y,
            F.log_softmax(y, dim=-1),
            torch.softmax(x.transpose(2, 3), dim=2),
            F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
            F.avg_pool2d(y, 2, stride=2),
            F.max_pool2d(x, 2, stride=2, ceil_mode=True),
            F.normalize(y, dim=3),
            ((x - x.mean(dim=-1, keepdim=True)) ** 2).mean(dim=-1) + x.sum(),
        ]
        return torch.cat([t.reshape(t.shape[0], -1) for t in parts], dim=1)


class ZooExtra(nn.Module):
    """Less common ops seen in detection/diffusion/audio exports: Conv1d, PRelu,
    BatchNormalization (1-d, kept: not after a conv), GroupNorm (Reshape +
    InstanceNormalization + Reshape + Mul + Add), InstanceNorm2d, LayerNorm over the last
    two axes, Einsum, CumSum, TopK values, GatherElements (torch.gather), max over a dim
    (ReduceMax), std, Resize bilinear with align_corners=True."""

    def __init__(self):
        super().__init__()
        self.conv1d = nn.Conv1d(3, 4, 3, padding=1)
        self.prelu = nn.PReLU(4, init=0.2)
        self.bn1d = nn.BatchNorm1d(4)
        self.gn = nn.GroupNorm(2, 4)
        self.inorm = nn.InstanceNorm2d(3, affine=True)
        self.ln2 = nn.LayerNorm([6, 5])
        self.register_buffer('gidx', torch.tensor([[4, 0], [1, 1], [3, 2], [0, 4], [2, 3], [1, 0]]).expand(2, 3, 6, 2).clone())

    def forward(self, x, y):
        s = self.conv1d(x.reshape(x.shape[0], 3, 30))
        s = self.gn(self.bn1d(self.prelu(s)))
        parts = [
            s,
            self.inorm(x) * y,
            self.ln2(y),
            torch.einsum('bcij,bckj->bcik', x, y),
            torch.cumsum(x * y, dim=2),
            torch.topk(x, 2, dim=3).values,
            torch.gather(y, 3, self.gidx),
            x.max(dim=1).values,
            y.std(dim=-1, keepdim=True) * x,
            F.interpolate(x, size=(9, 7), mode='bilinear', align_corners=True),
        ]
        return torch.cat([t.reshape(t.shape[0], -1) for t in parts], dim=1)


# --------------------------------------------------------------------------------------
# Fixture machinery
# --------------------------------------------------------------------------------------
@dataclass
class Locator:
    """Finds the ONNX tensor of a tap: output `output` of the node of type `op` whose
    name matches the regex `node` in full (torch 1.13 names nodes by module scope, e.g.
    '/layer1/relu_1/Relu')."""

    tap: str
    op: str
    node: str
    output: int = 0
    note: str = ''


@dataclass
class Spec:
    name: str
    description: str
    make: Callable[[], nn.Module]
    opset: int
    # example inputs used for tracing and the (possibly differently sized) fixture inputs
    trace_inputs: Callable[[torch.Generator], dict[str, torch.Tensor]]
    inputs: Callable[[torch.Generator], dict[str, torch.Tensor]] | None = None
    output_names: list[str] = field(default_factory=lambda: ['logits'])
    target: str | None = None  # e.g. 'logits[1,3]' or 'loss'; None -> random seed VJP
    dynamic_axes: dict | None = None
    do_constant_folding: bool = True
    keep_bn: bool = False  # export with TrainingMode.PRESERVE on an eval model: BN is not folded
    taps: list[Locator] = field(default_factory=list)
    grad_inputs: list[str] | None = None  # default: every float input
    seed: int = 0


def image(*shape):
    return lambda g: {'x': torch.randn(*shape, generator=g)}


def pair(*shape):
    return lambda g: {'x': torch.randn(*shape, generator=g), 'y': torch.randn(*shape, generator=g)}


def gpt_inputs(b: int, t: int, vocab: int = 13):
    def f(g):
        return {
            'idx': torch.randint(0, vocab, (b, t), generator=g),
            'targets': torch.randint(0, vocab, (b, t), generator=g),
        }
    return f


CNN_TAPS = [
    Locator('stem_relu', 'Relu', '/relu/Relu', note='relu(bn1(conv1(x))), before the max pool'),
    Locator('layer1_out', 'Relu', '/layer1/relu_1/Relu', note='output ReLU of the first residual block'),
]
VIT_TAPS = [
    Locator('tokens', 'Add', '/Add', note='cat([cls, patches]) + pos'),
    Locator('ln1_out', 'LayerNormalization|Add', '/ln1/(LayerNormalization|Add_1)', note='first LayerNorm output'),
    Locator('attn1_probs', 'Softmax', '/attn1/Softmax', note='attention probabilities of the hand-written block'),
    Locator('block2_mid', 'Add', '/Add_3', note='residual after the nn.MultiheadAttention block'),
]
GPT_TAPS = [
    Locator('embed', 'Add', '/Add', note='tok(idx) + pos(arange(T))'),
    Locator('attn0_probs', 'Softmax', '/blocks.0/attn/Softmax', note='causal attention probabilities, layer 0'),
    Locator('block0_out', 'Add', '/blocks.0/Add_1', note='output of block 0 (second residual add)'),
]


def specs() -> list[Spec]:
    S: list[Spec] = []
    # (a) CNN
    S.append(Spec('cnn_folded_op13', 'SmallCNN, eval export with do_constant_folding=True: every Conv+BN is folded '
                  'into new onnx::Conv_* initializers; dynamic batch axis (traced with batch 2, run with batch 3)',
                  SmallCNN, 13, image(2, 3, 16, 16), image(3, 3, 16, 16), target='logits[1,3]',
                  dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}, taps=CNN_TAPS, seed=11))
    S.append(Spec('cnn_bn_op14', 'SmallCNN exported with training=PRESERVE on an eval model and no constant folding: '
                  'BatchNormalization nodes are kept (inference form, running stats as initializers)',
                  SmallCNN, 14, image(2, 3, 16, 16), target='logits[0,7]', do_constant_folding=False,
                  keep_bn=True, taps=CNN_TAPS, seed=12))
    S.append(Spec('cnn_folded_op17', 'SmallCNN, opset 17, static shapes, BN folded', SmallCNN, 17, image(1, 3, 20, 20),
                  target='logits[0,2]', taps=CNN_TAPS, seed=13))
    # (b) conv zoo
    for op, seed in [(13, 21), (14, 22), (17, 23)]:
        S.append(Spec(f'convs_op{op}', 'depthwise conv, grouped+dilated conv, SiLU, ConvTranspose (output_padding; '
                      'grouped), bilinear Upsample (align_corners=False) and nearest interpolate -> Resize; '
                      'random-seed VJP of the whole output',
                      ConvZoo, op, image(2, 4, 6, 6), output_names=['y'],
                      taps=[Locator('grouped_act', 'Mul', '/Mul', note='silu(grouped dilated conv)')], seed=seed))
    # (c) ViT
    S.append(Spec('vit_op13', 'TinyViT at opset 13: LayerNorm decomposed (ReduceMean/Sub/Pow/Sqrt/Div), GELU as Erf, '
                  'hand-written attention + nn.MultiheadAttention, dynamic batch (traced 2, run 3)',
                  TinyViT, 13, image(2, 3, 12, 12), image(3, 3, 12, 12), target='logits[2,1]',
                  dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}}, taps=VIT_TAPS, seed=31))
    S.append(Spec('vit_op14', 'TinyViT at opset 14, static batch (cls token expand may be constant-folded)', TinyViT, 14,
                  image(2, 3, 12, 12), target='logits[0,4]', taps=VIT_TAPS, seed=32))
    S.append(Spec('vit_op17', 'TinyViT at opset 17: LayerNormalization nodes, dynamic batch', TinyViT, 17,
                  image(2, 3, 12, 12), target='logits[1,0]', dynamic_axes={'x': {0: 'batch'}, 'logits': {0: 'batch'}},
                  taps=VIT_TAPS, seed=33))
    # (d) GPT
    for op, seed in [(13, 41), (14, 42), (17, 43)]:
        S.append(Spec(f'gpt_op{op}', 'TinyGPT: Embedding with repeated ids, arange positions (Range), causal mask '
                      'via masked_fill(-inf) -> Where, qkv Linear + split, softmax, GELU MLP, LayerNorm, LM head, '
                      'F.cross_entropy (SoftmaxCrossEntropyLoss) as the scalar output; dynamic batch and sequence '
                      'axes (traced 2x8, run 2x7); gradients w.r.t. every weight',
                      TinyGPT, op, gpt_inputs(2, 8), gpt_inputs(2, 7), output_names=['loss'], target='loss',
                      dynamic_axes={'idx': {0: 'batch', 1: 'seq'}, 'targets': {0: 'batch', 1: 'seq'}},
                      taps=GPT_TAPS, seed=seed))
    # (e) ops zoo
    zoo = [('unary', ZooUnary), ('binary', ZooBinary), ('shape', ZooShape), ('reduce', ZooReduce), ('extra', ZooExtra)]
    for op, base in [(13, 51), (17, 61)]:
        for i, (kind, cls) in enumerate(zoo):
            S.append(Spec(f'zoo_{kind}_op{op}', ' '.join((cls.__doc__ or '').split()),
                          cls, op, pair(2, 3, 6, 5), output_names=['out'], seed=base + i))
    return S


def export_onnx(spec: Spec, model: nn.Module, args: tuple, input_names: list[str]) -> onnx.ModelProto:
    f = io.BytesIO()
    kw = {}
    if spec.keep_bn:
        kw['training'] = torch.onnx.TrainingMode.PRESERVE
    torch.onnx.export(model, args, f, opset_version=spec.opset, input_names=input_names,
                      output_names=spec.output_names, dynamic_axes=spec.dynamic_axes,
                      do_constant_folding=spec.do_constant_folding, **kw)
    m = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(m)
    return m


def locate(graph: onnx.GraphProto, loc: Locator) -> str:
    hits = [n for n in graph.node if re.fullmatch(loc.op, n.op_type) and re.fullmatch(loc.node, n.name)]
    if len(hits) != 1:
        raise SystemExit(f'locator {loc} matched {[n.name for n in hits]}; '
                         f'{loc.op} nodes: {[n.name for n in graph.node if re.fullmatch(loc.op, n.op_type)]}')
    return hits[0].output[loc.output]


def map_initializers(graph: onnx.GraphProto, params: dict[str, np.ndarray]):
    """Matches each float initializer to a parameter by value: equal, equal to the
    transpose (Linear weights feeding MatMul), or equal after a reshape."""
    matches: list[tuple[str, str, str]] = []  # (initializer, param, transform)
    skipped: list[dict] = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        a = numpy_helper.to_array(init)
        found = []
        for pname, p in params.items():
            if a.shape == p.shape and np.array_equal(a, p):
                found.append((pname, 'none'))
            elif a.ndim == 2 and a.shape == p.T.shape and np.array_equal(a, p.T):
                found.append((pname, 'transpose'))
            elif a.size == p.size and a.size > 1 and np.array_equal(a.reshape(-1), p.reshape(-1)):
                found.append((pname, 'reshape'))
        if len(found) == 1:
            matches.append((init.name, found[0][0], found[0][1]))
        else:
            reason = 'matches no parameter (folded or derived constant)' if not found else f'ambiguous: {found}'
            skipped.append({'name': init.name, 'dims': list(a.shape), 'reason': reason})
    # a parameter behind two initializers would need their gradients summed: skip both
    count = Counter(p for _, p, _ in matches)
    keep = []
    for m in matches:
        if count[m[1]] > 1:
            skipped.append({'name': m[0], 'dims': None, 'reason': f'parameter {m[1]} appears in several initializers'})
        else:
            keep.append(m)
    return keep, skipped


def run_reference(model: nn.Module, inputs: dict[str, torch.Tensor], spec: Spec, seed_t: torch.Tensor | None,
                  dtype: torch.dtype):
    """Forward + backward in `dtype`; returns outputs, input grads, param grads, tap values and grads."""
    global _TAPS
    m = copy.deepcopy(model).to(dtype)
    m.eval()
    for p in m.parameters():
        p.grad = None
    feeds = {}
    for k, v in inputs.items():
        if v.is_floating_point():
            v = v.detach().to(dtype).clone().requires_grad_(True)
        feeds[k] = v
    _TAPS = {}
    try:
        out = m(*feeds.values())
        taps = dict(_TAPS)
    finally:
        _TAPS = None
    outs = out if isinstance(out, tuple) else (out,)
    y = outs[0]
    if spec.target is None:
        scalar = (y * seed_t.to(dtype)).sum()
    else:
        name = spec.target
        if '[' in name:
            idx = tuple(int(s) for s in name[name.index('[') + 1:-1].split(','))
            scalar = y[idx]
        else:
            scalar = y
    scalar.backward()
    in_grads = {k: v.grad.detach().clone() for k, v in feeds.items() if v.is_floating_point()}
    p_grads = {n: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)) for n, p in m.named_parameters()}
    tap_vals = {k: t.detach().clone() for k, t in taps.items()}
    tap_grads = {k: (t.grad.detach().clone() if t.grad is not None else torch.zeros_like(t)) for k, t in taps.items()}
    return [o.detach() for o in outs], in_grads, p_grads, tap_vals, tap_grads


def scaled_err(a: np.ndarray, ref: np.ndarray) -> float:
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    diff = float(np.max(np.abs(a - ref))) if ref.size else 0.0
    return diff / scale if scale > 0 else diff


def save_npy(path: str, a: np.ndarray) -> None:
    np.save(path, np.array(a, order="C", copy=True))  # keeps 0-d arrays 0-d (ascontiguousarray would not)


def build(spec: Spec) -> dict:
    gen = torch.Generator().manual_seed(spec.seed)
    torch.manual_seed(spec.seed)
    model = spec.make()
    randomize_(model, gen)
    model.eval()
    trace = spec.trace_inputs(gen)
    inputs = spec.inputs(gen) if spec.inputs else trace
    names = list(trace.keys())

    proto = export_onnx(spec, model, tuple(trace.values()), names)
    graph = proto.graph
    outdir = os.path.join(OUT, spec.name)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    onnx.save(proto, os.path.join(outdir, 'model.onnx'))

    # the seed for VJP targets (dims of the fixture-size output)
    with torch.no_grad():
        y32 = model(*inputs.values())
        y32 = y32[0] if isinstance(y32, tuple) else y32
    seed_t = torch.randn(y32.shape, generator=gen) if spec.target is None else None

    outs64, ig64, pg64, tv64, tg64 = run_reference(model, inputs, spec, seed_t, torch.float64)
    outs32, ig32, pg32, tv32, tg32 = run_reference(model, inputs, spec, seed_t, torch.float32)

    params32 = {n: p.detach().numpy() for n, p in model.named_parameters()}
    matches, skipped = map_initializers(graph, params32)
    mapped_params = {p for _, p, _ in matches}

    meta: dict = {
        'name': spec.name,
        'description': spec.description,
        'opset': spec.opset,
        'generator': f'tools/torch-fixtures/export.py (torch {torch.__version__}, onnx {onnx.__version__})',
        'export': {
            'do_constant_folding': spec.do_constant_folding,
            'training': 'PRESERVE (eval model, BN kept)' if spec.keep_bn else 'EVAL',
            'dynamic_axes': spec.dynamic_axes,
            'traced_input_dims': {k: list(v.shape) for k, v in trace.items()},
        },
        'reference': 'torch.autograd on a float64 copy of the exported model (same weights, inputs cast exactly)',
        'inputs': {},
        'outputs': {},
        'grads': [],
    }
    for i, (k, v) in enumerate(inputs.items()):
        f = f'input_{i}.npy'
        save_npy(os.path.join(outdir, f), v.numpy())
        meta['inputs'][k] = f
    for i, (k, o) in enumerate(zip(spec.output_names, outs64)):
        f = f'output_{i}.npy'
        save_npy(os.path.join(outdir, f), o.numpy())
        meta['outputs'][k] = f
    if spec.target is None:
        save_npy(os.path.join(outdir, 'seed.npy'), seed_t.numpy().astype(np.float32))
        meta['of'] = {'output': spec.output_names[0], 'seed': 'seed.npy'}
    else:
        meta['of'] = spec.target

    entries = []  # (tensor name, kind, ref64, ref32, extra)
    for k in (spec.grad_inputs if spec.grad_inputs is not None else list(ig64.keys())):
        entries.append((k, 'input', ig64[k].numpy(), ig32[k].numpy(), {}))
    for loc in spec.taps:
        tname = locate(graph, loc)
        entries.append((tname, 'intermediate', tg64[loc.tap].numpy(), tg32[loc.tap].numpy(),
                        {'tap': loc.tap, 'note': loc.note, 'node': next(n.name for n in graph.node if tname in n.output),
                         'value_ref': tv64[loc.tap].numpy(), 'value32': tv32[loc.tap].numpy()}))
    for init, pname, how in matches:
        g64 = pg64[pname].numpy()
        g32 = pg32[pname].numpy()
        dims = [d for d in next(i for i in graph.initializer if i.name == init).dims]
        if how == 'transpose':
            g64, g32 = g64.T, g32.T
        elif how == 'reshape':
            g64, g32 = g64.reshape(dims), g32.reshape(dims)
        entries.append((init, 'weight', g64, g32, {'param': pname, 'transform': how}))

    worst = 0.0
    for j, (tname, kind, r64, r32, extra) in enumerate(entries):
        e = scaled_err(r32.astype(np.float64), r64)
        worst = max(worst, e)
        if e > 1e-5:
            raise SystemExit(f'{spec.name}: torch float32 vs float64 gradient of {tname} differ by {e:.2e} of max; '
                             f'pick another seed')
        if float(np.max(np.abs(r64))) == 0.0:
            print(f'  note: {spec.name}: reference gradient of {tname} is all zeros')
        f = f'grad_{j:03d}.npy'
        save_npy(os.path.join(outdir, f), r64)
        entry = {'tensor': tname, 'kind': kind, 'file': f, 'dims': list(r64.shape),
                 'max_abs': float(np.max(np.abs(r64))) if r64.size else 0.0}
        for key in ('param', 'transform', 'tap', 'note', 'node'):
            if key in extra:
                entry[key] = extra[key]
        if 'value_ref' in extra:
            vf = f'value_{j:03d}.npy'
            save_npy(os.path.join(outdir, vf), extra['value_ref'])
            entry['value'] = vf
        meta['grads'].append(entry)
    meta['wrt'] = [e['tensor'] for e in meta['grads']]
    meta['skipped_initializers'] = skipped
    meta['params_without_initializer'] = [n for n in params32 if n not in mapped_params]
    meta['torch_f32_vs_f64_max_scaled'] = worst
    meta['forward_f32_vs_f64_max_scaled'] = max(scaled_err(a.numpy().astype(np.float64), b.numpy())
                                                for a, b in zip(outs32, outs64))
    meta['ops'] = dict(sorted(Counter(n.op_type for n in graph.node).items()))
    with open(os.path.join(outdir, 'meta.json'), 'w') as fh:
        json.dump(meta, fh, indent=1)
        fh.write('\n')
    size = sum(os.path.getsize(os.path.join(outdir, f)) for f in os.listdir(outdir))
    print(f'{spec.name}: {len(entries)} grads ({len(matches)} weights, {len(skipped)} skipped inits), '
          f'f32-vs-f64 {worst:.1e}, {size / 1024:.1f} KiB')
    return meta


def main(argv: list[str]) -> None:
    wanted = set(argv)
    all_specs = specs()
    unknown = wanted - {s.name for s in all_specs}
    if unknown:
        raise SystemExit(f'unknown fixtures: {sorted(unknown)}')
    os.makedirs(OUT, exist_ok=True)
    for s in all_specs:
        if not wanted or s.name in wanted:
            build(s)
    if not wanted:
        # drop stale fixture folders
        names = {s.name for s in all_specs}
        for d in os.listdir(OUT):
            if d not in names and os.path.isdir(os.path.join(OUT, d)):
                shutil.rmtree(os.path.join(OUT, d))


if __name__ == '__main__':
    main(sys.argv[1:])
