"""The same character GPT step in PyTorch, for the TorchSharp/PyTorch ratio (`TextBench -- steps` runs it).

Usage: python3 pytorch_steps.py VOCAB REPEATS THREADS [PRESET,...] -> a line per preset: "name wall_ms cpu_ms" (medians
per step; cpu = this process's CPU time, which a loaded machine inflates less than the wall clock).
The model mirrors PolyakCore/Text/CharGpt.cs (nanoGPT's model.py): pre-LayerNorm blocks, causal attention (fused
where this torch has scaled_dot_product_attention, else nanoGPT's masked softmax), a 4x GELU MLP, Adam at 3e-3.
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = [("tiny", 96, 4, 3, 128, 0.0, 32), ("small", 128, 4, 4, 128, 0.1, 32), ("report", 384, 6, 6, 256, 0.2, 8)]


class Attention(nn.Module):
    def __init__(self, c, heads, block, dropout):
        super().__init__()
        self.c_attn, self.c_proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.heads, self.dropout = heads, dropout
        self.resid_dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.tril(torch.ones(block, block, dtype=torch.bool)))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        p = self.dropout if self.training else 0.0
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
            att = F.dropout(att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(-1), p, self.training)
            y = att @ v
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(b, t, c)))


class Block(nn.Module):
    def __init__(self, c, heads, block, dropout):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = Attention(c, heads, block, dropout)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c), nn.Dropout(dropout))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    def __init__(self, vocab, c, heads, layers, block, dropout):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, c), nn.Embedding(block, c)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(c, heads, block, dropout) for _ in range(layers)])
        self.ln_f, self.lm_head = nn.LayerNorm(c), nn.Linear(c, vocab)

    def loss(self, idx, targets):
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


def main():
    vocab, repeats, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    wanted = sys.argv[4].split(",") if len(sys.argv) > 4 else [p[0] for p in PRESETS]
    models = []
    for name, c, heads, layers, block, dropout, batch in (p for p in PRESETS if p[0] in wanted):
        model = Gpt(vocab, c, heads, layers, block, dropout)
        models.append((name, block, batch, model, torch.optim.Adam(model.parameters(), lr=3e-3)))
    times = {m[0]: [] for m in models}
    cpu = {m[0]: [] for m in models}
    for r in range(repeats + 1):                      # interleaved, the first repeat warms up, as in TextBench
        for name, block, batch, model, optimizer in models:
            start, start_cpu = time.perf_counter(), time.process_time()
            idx = torch.randint(vocab, (batch, block + 1))
            optimizer.zero_grad(set_to_none=True)
            loss = model.loss(idx[:, :-1], idx[:, 1:])
            loss.backward()
            optimizer.step()
            if r > 0:
                times[name].append(1000 * (time.perf_counter() - start))
                cpu[name].append(1000 * (time.process_time() - start_cpu))
    for name in times:
        print(name, f"{median(times[name]):.1f}", f"{median(cpu[name]):.1f}")


def median(values):
    return sorted(values)[len(values) // 2]


if __name__ == "__main__":
    main()
