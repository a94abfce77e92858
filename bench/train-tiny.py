#!/usr/bin/python3
"""PyTorch CPU twin of bench/train-tiny.ts: the same tiny Llama (weights read from its safetensors), LoRA
r 8 / alpha 32 / dropout 0.05 on q_proj and v_proj, forward KL over the letter readout (both spellings
summed, renormalised over A-J), AdamW at lr 2e-4, on the batches the TypeScript side wrote. Each micro-batch
is one right-padded tensor. Prints {"tokens_per_second", "threads", "torch"} as JSON.

Usage: /usr/bin/python3 bench/train-tiny.py BATCHES.json   (Debian 12: apt-get install python3-torch)
TORCH_THREADS sets the intra-op thread count (default: all cores).
"""
import json
import math
import os
import struct
import sys
import time

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info["shape"])
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.cpu_count())))
    torch.manual_seed(0)
    cfg = json.load(open(os.path.join(spec["model"], "config.json")))
    w = read_safetensors(os.path.join(spec["model"], "model.safetensors"))
    h, nh, nkv, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
    d, eps, theta = h // nh, cfg["rms_norm_eps"], cfg["rope_theta"]
    r, scale = spec["r"], spec["alpha"] / spec["r"]
    lora = {}
    for l in range(L):
        for mod in ("q_proj", "v_proj"):
            name = f"model.layers.{l}.self_attn.{mod}.weight"
            out_f, in_f = w[name].shape
            a = torch.empty(r, in_f).uniform_(-1 / math.sqrt(in_f), 1 / math.sqrt(in_f)).requires_grad_()
            lora[name] = (a, torch.zeros(out_f, r, requires_grad=True))
    opt = torch.optim.AdamW([p for pair in lora.values() for p in pair], lr=2e-4, weight_decay=0.0)
    drop = torch.nn.Dropout(0.05)
    ids_flat = sorted({i for g in spec["letters"] for i in g})
    member = torch.zeros(len(ids_flat), len(spec["letters"]))
    for j, g in enumerate(spec["letters"]):
        for i in g:
            member[ids_flat.index(i), j] = 1
    head = w["lm_head.weight"][ids_flat]

    def linear(x, name):
        y = x @ w[name].T
        if name in lora:
            a, b = lora[name]
            y = y + drop(x) @ a.T @ b.T * scale
        return y

    def rms(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g

    def step(batch):
        t = max(len(e["ids"]) for e in batch)
        ids = torch.zeros(len(batch), t, dtype=torch.long)
        pos = torch.tensor([len(e["ids"]) - 1 for e in batch])
        for i, e in enumerate(batch):
            ids[i, : len(e["ids"])] = torch.tensor(e["ids"])
        target = torch.tensor([e["target"] for e in batch])
        inv = 1.0 / (theta ** (torch.arange(0, d, 2).float() / d))
        emb = torch.outer(torch.arange(t).float(), inv)
        emb = torch.cat([emb, emb], -1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = w["model.embed_tokens.weight"][ids]
        bsz = len(batch)
        for l in range(L):
            p = f"model.layers.{l}."
            y = rms(x, w[p + "input_layernorm.weight"])
            q = linear(y, p + "self_attn.q_proj.weight").view(bsz, t, nh, d).transpose(1, 2)
            k = linear(y, p + "self_attn.k_proj.weight").view(bsz, t, nkv, d).transpose(1, 2)
            v = linear(y, p + "self_attn.v_proj.weight").view(bsz, t, nkv, d).transpose(1, 2)
            rot = lambda z: z * cos + torch.cat([-z[..., d // 2 :], z[..., : d // 2]], -1) * sin
            q, k = rot(q), rot(k)
            k, v = k.repeat_interleave(nh // nkv, 1), v.repeat_interleave(nh // nkv, 1)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, -1)
            o = (att @ v).transpose(1, 2).reshape(bsz, t, nh * d)
            x = x + linear(o, p + "self_attn.o_proj.weight")
            y = rms(x, w[p + "post_attention_layernorm.weight"])
            x = x + linear(torch.nn.functional.silu(linear(y, p + "mlp.gate_proj.weight")) * linear(y, p + "mlp.up_proj.weight"), p + "mlp.down_proj.weight")
        hsel = rms(x[torch.arange(bsz), pos], w["model.norm.weight"])
        logits = hsel @ head.T
        e = torch.exp(logits - logits.max(-1, keepdim=True).values)
        logq = torch.log(e @ member) - torch.log(e.sum(-1, keepdim=True))
        logp = torch.where(target > 0, torch.log(target.clamp_min(1e-30)), torch.zeros_like(target))
        loss = (target * (logp - logq)).sum(-1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return int(pos.sum()) + bsz

    step(spec["batches"][0])  # warm-up, not timed
    t0 = time.perf_counter()
    tokens = sum(step(b) for b in spec["batches"])
    dt = time.perf_counter() - t0
    print(json.dumps({"tokens_per_second": tokens / dt, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
