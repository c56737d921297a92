#!/usr/bin/python3
"""Generates a tiny CLIP-style dual encoder exported by torch.onnx.export and Grad-ECLIP
reference maps computed in torch, for @gradloc/cam-explain's vision-language explanations.

    nice -n 19 /usr/bin/python3 tools/cam-fixtures/clip.py

Output: packages/cam-explain/test/fixtures/torch-clip/ (model.onnx, pixels.npy, ids.npy,
reference maps, manifest.json). The TypeScript tests only read these files.

The model is laid out as Hugging Face's CLIPModel (separate q/k/v/out projections, the query
scaled by head_dim^-0.5 after its projection, pre-LayerNorm blocks, the image embedding from
the class token through post-LayerNorm and a projection, the text embedding from the
end-of-text token, causal text attention), small and random. The references are computed
here with Grad-ECLIP's formulas (Zhao et al., ICML 2024; the authors' Cyang-Zhao/Grad-Eclip)
on the model's real multi-head forward, without any code from this repository:

* c = cosine(image embedding, text embedding) of an (image, caption) pair;
* per chosen block: o = attention output before out_proj (heads concatenated), g = dc/do at
  the pooled row (class token / end-of-text token); q, k, v the full-width projections
  (q before its scaling; the cosine does not see the scale);
* lambda_i = min-max over the tokens i of cos(q_row, k_i); m_i = sum_d g_d v_{i,d} lambda_i;
* image: the patch tokens, ReLU per block, summed over the blocks, on the patch grid;
  text: summed over the blocks, then ReLU, tokens 1..EOS-1, divided by their sum.

Baselines on the image tower, from the same forward: the last block's class-token attention
row (mean over heads) and attention rollout (Abnar & Zuidema 2020).
"""
from __future__ import annotations

import io
import json
import os
import shutil

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'cam-explain', 'test', 'fixtures', 'torch-clip')

WIDTH, HEADS, EMBED, VOCAB, CONTEXT = 32, 4, 16, 24, 8
IMAGE, PATCH = 32, 8
EOT = VOCAB - 1  # the end-of-text id is the largest (CLIP's pooling takes argmax of the ids)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(WIDTH, WIDTH) for _ in range(4))
        self.saved: dict[str, torch.Tensor] = {}

    def forward(self, x, mask=None):
        B, L, D = x.shape
        dh = D // HEADS
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        self.saved.update(q=q, k=k, v=v)
        split = lambda t: t.reshape(B, L, HEADS, dh).transpose(1, 2)
        scores = split(q * dh ** -0.5) @ split(k).transpose(-1, -2)
        if mask is not None:
            scores = scores + mask
        probs = scores.softmax(-1)
        self.saved['probs'] = probs
        o = (probs @ split(v)).transpose(1, 2).reshape(B, L, D)
        if o.requires_grad:
            o.retain_grad()
        self.saved['o'] = o
        return self.out_proj(o)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.attn = Attention()
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 2 * WIDTH), nn.GELU(), nn.Linear(2 * WIDTH, WIDTH))

    def forward(self, x, mask=None):
        h = self.ln1(x)
        if h.requires_grad:
            h.retain_grad()
        self.normed = h  # Grad-CAM's layer: the block's normalised input (pytorch-grad-cam's ViT recipe: norm1)
        x = x + self.attn(h, mask)
        return x + self.mlp(self.ln2(x))


class TinyClip(nn.Module):
    def __init__(self):
        super().__init__()
        grid = IMAGE // PATCH
        self.patch = nn.Conv2d(3, WIDTH, PATCH, PATCH)
        self.cls = nn.Parameter(torch.randn(WIDTH) * 0.5)
        self.vpos = nn.Parameter(torch.randn(1 + grid * grid, WIDTH) * 0.5)
        self.vpre = nn.LayerNorm(WIDTH)
        self.vblocks = nn.ModuleList(Block() for _ in range(3))
        self.vpost = nn.LayerNorm(WIDTH)
        self.vproj = nn.Linear(WIDTH, EMBED, bias=False)
        self.tok = nn.Embedding(VOCAB, WIDTH)
        self.tpos = nn.Parameter(torch.randn(CONTEXT, WIDTH) * 0.5)
        self.tblocks = nn.ModuleList(Block() for _ in range(3))
        self.tfinal = nn.LayerNorm(WIDTH)
        self.tproj = nn.Linear(WIDTH, EMBED, bias=False)
        self.register_buffer('causal', torch.full((CONTEXT, CONTEXT), -1e4).triu(1))

    def image(self, pixels):
        p = self.patch(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(p.shape[0], 1, WIDTH), p], 1) + self.vpos
        x = self.vpre(x)
        for b in self.vblocks:
            x = b(x)
        e = self.vproj(self.vpost(x[:, 0]))
        return e / e.norm(dim=-1, keepdim=True)

    def text(self, ids):
        x = self.tok(ids) + self.tpos
        for b in self.tblocks:
            x = b(x, self.causal)
        x = self.tfinal(x)
        pooled = x[torch.arange(ids.shape[0]), ids.argmax(-1)]
        e = self.tproj(pooled)
        return e / e.norm(dim=-1, keepdim=True)

    def forward(self, pixel_values, input_ids):
        ie, te = self.image(pixel_values), self.text(input_ids)
        return ie, te, 10.0 * ie @ te.t()


def minmax(x: torch.Tensor) -> torch.Tensor:
    return (x - x.min()) / (x.max() - x.min())


def grad_eclip(blocks, rows: list[int], tokens: slice) -> list[torch.Tensor]:
    """Per block, sum over the pooled rows of sum_d g_d v_{i,d} lambda_i (before ReLU), for
    item 0 of the batch; tokens picks the explained tokens."""
    out = []
    for blk in blocks:
        s = blk.attn.saved
        q, k, v = (s[n][0].detach() for n in 'qkv')
        g = s['o'].grad[0]
        m = torch.zeros(v.shape[0], dtype=v.dtype)
        for r in rows:
            lam = minmax(F.cosine_similarity(q[r][None], k[tokens], dim=-1))
            m[tokens] += (v[tokens] @ g[r]) * lam
        out.append(m[tokens])
    return out


def main() -> None:
    torch.manual_seed(7)
    model = TinyClip().eval()
    gen = torch.Generator().manual_seed(11)
    coarse = torch.rand(3, 3, 4, 4, generator=gen)
    pixels = (F.interpolate(coarse, size=(IMAGE, IMAGE), mode='bilinear', align_corners=False) + 0.1 * torch.randn(3, 3, IMAGE, IMAGE, generator=gen)).float()
    # captions: <bos>=1, words 2..EOT-1, <eot>, padding 0
    ids = torch.tensor([[1, 5, 9, 14, EOT, 0, 0, 0], [1, 3, 17, 8, 21, 12, EOT, 0]])

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    f = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(model, (pixels, ids), f, opset_version=17, input_names=['pixel_values', 'input_ids'],
                          output_names=['image_embeds', 'text_embeds', 'logits_per_image'],
                          dynamic_axes={'pixel_values': {0: 'batch'}, 'input_ids': {0: 'texts'}, 'image_embeds': {0: 'batch'},
                                        'text_embeds': {0: 'texts'}, 'logits_per_image': {0: 'batch', 1: 'texts'}})
    proto = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(proto)
    onnx.save(proto, os.path.join(OUT, 'model.onnx'))
    np.save(os.path.join(OUT, 'pixels.npy'), pixels.numpy())
    np.save(os.path.join(OUT, 'ids.npy'), ids.numpy())

    m64 = TinyClip().double().eval()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    grid = IMAGE // PATCH
    cases = []
    for image_index, text_index in [(0, 0), (1, 1), (2, 0)]:
        x = pixels[image_index:image_index + 1].double()
        t = ids[text_index:text_index + 1]
        ie, te = m64.image(x), m64.text(t)
        c = (ie * te).sum()
        c.backward()
        eot = int(t[0].argmax())
        entry = {'image': image_index, 'text': text_index, 'similarity': float(c), 'eot': eot}
        for n in (1, 3):
            blocks = list(m64.vblocks)[-n:]
            per = grad_eclip(blocks, [0], slice(1, None))
            img = sum(torch.relu(p) for p in per).reshape(grid, grid)
            name = f'image_{image_index}_{text_index}_last{n}.npy'
            np.save(os.path.join(OUT, name), img.detach().numpy().astype(np.float64))
            entry[f'imageLast{n}'] = name
            tblocks = list(m64.tblocks)[-n:]
            tper = grad_eclip(tblocks, [eot], slice(0, CONTEXT))
            raw = torch.relu(sum(tper))[1:eot]
            txt = raw / raw.sum()
            name = f'text_{image_index}_{text_index}_last{n}.npy'
            np.save(os.path.join(OUT, name), txt.detach().numpy().astype(np.float64))
            entry[f'textLast{n}'] = name
        # baselines on the image tower: the last block's class-token attention (mean over heads)
        # and attention rollout (Abnar & Zuidema 2020: 0.5 A + 0.5 I per block, rows renormalised,
        # multiplied from the first block to the last), both the class token's row over the patches
        probs = [blk.attn.saved['probs'][0].detach().mean(0) for blk in m64.vblocks]
        raw = probs[-1][0, 1:].reshape(grid, grid)
        roll = torch.eye(probs[0].shape[0], dtype=torch.float64)
        for a in probs:
            a = 0.5 * a + 0.5 * torch.eye(a.shape[0], dtype=torch.float64)
            roll = (a / a.sum(-1, keepdim=True)) @ roll
        # Grad-CAM on the last image block's normalised input, as pytorch-grad-cam computes it with a
        # reshape transform dropping the class token: weights = spatial mean of the gradient, ReLU of
        # the weighted sum, scale_cam_image (x - min, / (max + 1e-7)), resized to the image
        # (cv2.INTER_LINEAR = bilinear with half-pixel centres), ReLU, scaled again
        h = m64.vblocks[-1].normed
        acts, grads = h[0, 1:].detach(), h.grad[0, 1:]
        cam = torch.relu(acts @ grads.mean(0)).reshape(1, 1, grid, grid)
        scale = lambda z: (z - z.min()) / (1e-7 + (z - z.min()).max())
        cam = F.interpolate(scale(cam), size=(IMAGE, IMAGE), mode='bilinear', align_corners=False)
        gradcam = scale(torch.relu(cam))[0, 0]
        for key, value in (('attention', raw), ('rollout', roll[0, 1:].reshape(grid, grid)), ('gradcam', gradcam)):
            name = f'{key}_{image_index}.npy'
            np.save(os.path.join(OUT, name), value.numpy())
            entry[key] = name
        m64.zero_grad(set_to_none=True)
        cases.append(entry)
    manifest = {
        'generator': f'tools/cam-fixtures/clip.py (torch {torch.__version__}, onnx {onnx.__version__})',
        'model': 'model.onnx', 'pixels': 'pixels.npy', 'ids': 'ids.npy', 'grid': [grid, grid], 'blocks': 3,
        'eot': EOT, 'cases': cases,
    }
    with open(os.path.join(OUT, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=1)
        fh.write('\n')
    print(json.dumps(cases, indent=1))


if __name__ == '__main__':
    main()
