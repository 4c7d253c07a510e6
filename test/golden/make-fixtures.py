#!/usr/bin/python3
"""
Writes test/golden/fixtures.json: golden values from PyTorch for convscope's layers and losses
(forward output, and input and parameter gradients for a random upstream gradient), plus a whole
LeNet's logits and weight gradients. Run by hand when a case is added, never at test time:

    /usr/bin/python3 test/golden/make-fixtures.py

It deliberately does not test anything itself; golden.test.ts does the comparing. Every input is
rounded to 7 significant digits *before* PyTorch sees it, so the JSON holds exactly what both sides
compute from. LeNet's 431k weights are too many to store: both sides draw them from mulberry32
(integer arithmetic, so bit-identical in Python and JavaScript), and its large gradients are kept
as sums, a random projection and sampled entries.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(20240607)
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
SIG = 7


def r7(v):
    """Rounds to SIG significant digits (shortest repr of that), so the JSON stays small."""
    if v == 0 or not math.isfinite(v):
        return 0.0 if v == 0 else v
    return float(f"{v:.{SIG - 1}e}")


def rounded(t):
    """A float32 tensor whose values are exactly what the JSON will say."""
    return torch.tensor([r7(v) for v in t.detach().double().flatten().tolist()], dtype=torch.float32).reshape(t.shape)


def rand(*shape, scale=1.0, shift=0.0):
    return rounded(torch.randn(*shape) * scale + shift)


def dump(t):
    return {"shape": list(t.shape), "data": [r7(v) for v in t.detach().double().flatten().tolist()]}


# ---------------------------------------------------------------- single layers

layers = []


def conv_case(name, spec, x_shape, w_shape, fn):
    """fn(x, w, b) -> y, in torch terms, matching our `spec`."""
    x = rand(*x_shape).requires_grad_()
    w = rand(*w_shape, scale=0.5).requires_grad_()
    b = rand(w_shape[0], scale=0.5).requires_grad_()
    y = fn(x, w, b)
    dy = rand(*y.shape)
    y.backward(dy)
    layers.append({
        "name": name, "spec": spec, "mode": "train",
        "x": dump(x), "params": {"weight": dump(w), "bias": dump(b)},
        "y": dump(y), "dy": dump(dy), "dx": dump(x.grad),
        "grads": {"weight": dump(w.grad), "bias": dump(b.grad)},
    })


conv_case("conv x=[2,3,7,6] w=[4,3,3,3] s=1 p=0", {"kind": "conv2d", "outC": 4, "k": 3},
          [2, 3, 7, 6], [4, 3, 3, 3], lambda x, w, b: F.conv2d(x, w, b))
conv_case("conv x=[2,3,7,6] w=[4,3,3,3] s=2 p=1", {"kind": "conv2d", "outC": 4, "k": 3, "stride": 2, "pad": 1},
          [2, 3, 7, 6], [4, 3, 3, 3], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1))
# torch's F.pad order is [left, right, top, bottom]; our spec's is [top, left, bottom, right]
conv_case("conv x=[2,3,7,6] w=[4,3,3,2] s=[2,1] p=[top 1,left 0,bottom 2,right 1]",
          {"kind": "conv2d", "outC": 4, "k": [3, 2], "stride": [2, 1], "pad": [1, 0, 2, 1]},
          [2, 3, 7, 6], [4, 3, 3, 2], lambda x, w, b: F.conv2d(F.pad(x, [0, 1, 1, 2]), w, b, stride=(2, 1)))
conv_case("conv x=[2,3,7,6] w=[4,3,3,3] dilation=2 p=2", {"kind": "conv2d", "outC": 4, "k": 3, "dilation": 2, "pad": 2},
          [2, 3, 7, 6], [4, 3, 3, 3], lambda x, w, b: F.conv2d(x, w, b, padding=2, dilation=2))
conv_case("conv x=[2,1,7,6] w=[1,1,3,3] s=1 p=0 (one channel in and out)", {"kind": "conv2d", "outC": 1, "k": 3},
          [2, 1, 7, 6], [1, 1, 3, 3], lambda x, w, b: F.conv2d(x, w, b))


def pool_case(name, spec, x_shape, fn):
    x = rand(*x_shape).requires_grad_()
    y = fn(x)
    dy = rand(*y.shape)
    y.backward(dy)
    layers.append({"name": name, "spec": spec, "mode": "train", "x": dump(x), "params": {},
                   "y": dump(y), "dy": dump(dy), "dx": dump(x.grad), "grads": {}})


pool_case("maxpool x=[2,3,7,6] size=2 stride=2", {"kind": "maxpool2d", "size": 2}, [2, 3, 7, 6], lambda x: F.max_pool2d(x, 2))
pool_case("maxpool x=[2,3,7,6] size=3 stride=2", {"kind": "maxpool2d", "size": 3, "stride": 2}, [2, 3, 7, 6],
          lambda x: F.max_pool2d(x, 3, stride=2))
pool_case("avgpool x=[2,3,7,6] size=2 stride=2", {"kind": "avgpool2d", "size": 2}, [2, 3, 7, 6], lambda x: F.avg_pool2d(x, 2))
pool_case("avgpool x=[2,3,7,6] size=3 stride=1", {"kind": "avgpool2d", "size": 3, "stride": 1}, [2, 3, 7, 6],
          lambda x: F.avg_pool2d(x, 3, stride=1))

# dense: nn.Linear(7, 5) on a batch of 3
x = rand(3, 7).requires_grad_()
w = rand(5, 7, scale=0.5).requires_grad_()
b = rand(5, scale=0.5).requires_grad_()
y = F.linear(x, w, b)
dy = rand(*y.shape)
y.backward(dy)
layers.append({"name": "dense x=[3,7] w=[5,7]", "spec": {"kind": "dense", "units": 5}, "mode": "train",
               "x": dump(x), "params": {"weight": dump(w), "bias": dump(b)}, "y": dump(y), "dy": dump(dy),
               "dx": dump(x.grad), "grads": {"weight": dump(w.grad), "bias": dump(b.grad)}})


def batchnorm_case(name, x_shape, module):
    """One train-mode step (batch statistics, running stats updated), then an eval-mode pass with those stats."""
    C = x_shape[1]
    with torch.no_grad():
        module.weight.copy_(rounded(1 + 0.3 * torch.randn(C)))
        module.bias.copy_(rounded(0.3 * torch.randn(C)))
    x = rand(*x_shape, scale=2.0, shift=0.5)
    x.requires_grad_()
    module.train()
    y = module(x)
    dy = rand(*y.shape)
    y.backward(dy)
    params = {"weight": dump(module.weight), "bias": dump(module.bias)}
    layers.append({"name": f"{name} (train: batch statistics)", "spec": {"kind": "batchnorm", "momentum": 0.1, "eps": 1e-5},
                   "mode": "train", "x": dump(x), "params": params, "y": dump(y), "dy": dump(dy), "dx": dump(x.grad),
                   "grads": {"weight": dump(module.weight.grad), "bias": dump(module.bias.grad)},
                   "buffersAfter": {"running_mean": dump(module.running_mean), "running_var": dump(module.running_var)}})
    # eval mode from the (rounded) running statistics of that step
    with torch.no_grad():
        module.running_mean.copy_(rounded(module.running_mean))
        module.running_var.copy_(rounded(module.running_var))
    module.zero_grad()
    module.eval()
    x2 = rand(*x_shape, scale=2.0).requires_grad_()
    y2 = module(x2)
    dy2 = rand(*y2.shape)
    y2.backward(dy2)
    layers.append({"name": f"{name} (eval: running statistics)", "spec": {"kind": "batchnorm", "momentum": 0.1, "eps": 1e-5},
                   "mode": "eval", "x": dump(x2), "params": params, "y": dump(y2), "dy": dump(dy2), "dx": dump(x2.grad),
                   "grads": {"weight": dump(module.weight.grad), "bias": dump(module.bias.grad)},
                   "buffersBefore": {"running_mean": dump(module.running_mean), "running_var": dump(module.running_var)}})


batchnorm_case("batchnorm2d x=[4,3,5,4] momentum=0.1", [4, 3, 5, 4], torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5))
batchnorm_case("batchnorm1d x=[6,5] momentum=0.1", [6, 5], torch.nn.BatchNorm1d(5, momentum=0.1, eps=1e-5))

# ---------------------------------------------------------------- losses

losses = []
labels = [2, 0, 9, 4]
logits = rand(4, 10, scale=2.0).requires_grad_()
loss = F.cross_entropy(logits, torch.tensor(labels))
loss.backward()
losses.append({"name": "cross-entropy (mean) logits=[4,10]", "kind": "xent", "output": dump(logits), "labels": labels,
               "loss": r7(loss.item()), "dy": dump(logits.grad)})
out = rand(4, 10, scale=0.5).requires_grad_()
loss = F.mse_loss(out, F.one_hot(torch.tensor(labels), 10).float())
loss.backward()
losses.append({"name": "mse vs one-hot (mean) output=[4,10]", "kind": "mse", "output": dump(out), "labels": labels,
               "loss": r7(loss.item()), "dy": dump(out.grad)})

# ---------------------------------------------------------------- LeNet

M32 = 0xFFFFFFFF


def mulberry32(seed):
    """The same 32-bit generator as golden.test.ts: exact integer arithmetic, uniform in [0, 1)."""
    state = seed & M32

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = ((state ^ (state >> 15)) * (state | 1)) & M32
        t = ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32) ^ t
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return nxt


def uniform(seed, n, lo, hi):
    """n float64 draws in [lo, hi); torch.tensor(..., float32) rounds them as Float32Array does."""
    g = mulberry32(seed)
    return [lo + (hi - lo) * g() for _ in range(n)]


LENET_SPEC = {
    "input": [1, 28, 28],
    "layers": [
        {"kind": "conv2d", "outC": 20, "k": 5},
        {"kind": "maxpool2d", "size": 2},
        {"kind": "conv2d", "outC": 50, "k": 5},
        {"kind": "maxpool2d", "size": 2},
        {"kind": "flatten"},
        {"kind": "dense", "units": 500},
        {"kind": "relu"},
        {"kind": "dense", "units": 10},
    ],
}


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 20, 5)
        self.conv2 = torch.nn.Conv2d(20, 50, 5)
        self.dense1 = torch.nn.Linear(800, 500)
        self.dense2 = torch.nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = torch.flatten(x, 1)
        return self.dense2(F.relu(self.dense1(x)))


net = LeNet()
# our param names (conv1.weight, ...) in the order model.params lists them, each with its generator seed
lenet_params = []
with torch.no_grad():
    named = dict(net.named_parameters())
    for i, (name, p) in enumerate(net.named_parameters()):
        # PyTorch's default bound, 1/sqrt(fan_in), for a weight and for its bias alike
        fan_in = named[name.replace(".bias", ".weight")][0].numel()
        bound = 1 / math.sqrt(fan_in)
        seed = 1000 + i
        p.copy_(torch.tensor(uniform(seed, p.numel(), -bound, bound), dtype=torch.float32).reshape(p.shape))
        # the float64 sum of the float32 weights tells a generator mismatch apart from a layer mismatch
        lenet_params.append({"name": name, "shape": list(p.shape), "seed": seed, "bound": bound,
                             "checksum": float(p.double().sum())})
images = torch.tensor(uniform(7, 2 * 28 * 28, 0.0, 1.0), dtype=torch.float32).reshape(2, 1, 28, 28).requires_grad_()
lenet_labels = [3, 8]
logits = net(images)
loss = F.cross_entropy(logits, torch.tensor(lenet_labels))
loss.backward()

FULL_LIMIT = 600  # gradients with at most this many values are stored whole
SAMPLES = 48


def summarise(g, seed):
    """Sums in float64, a projection on uniform(-1,1) weights from `seed`, and sampled entries (plus the largest)."""
    flat = g.detach().double().flatten()
    r = torch.tensor(uniform(seed, flat.numel(), -1.0, 1.0), dtype=torch.float64)
    idx = sorted(set(torch.randint(0, flat.numel(), (SAMPLES,)).tolist()) | {int(flat.abs().argmax())})
    return {"shape": list(g.shape), "sum": float(flat.sum()), "sumAbs": float(flat.abs().sum()),
            "projectionSeed": seed, "projection": float((flat * r).sum()),
            "indices": idx, "values": [r7(flat[i].item()) for i in idx]}


grads = {}
for i, (name, p) in enumerate(net.named_parameters()):
    grads[name] = dump(p.grad) if p.numel() <= FULL_LIMIT else summarise(p.grad, 5000 + i)
lenet = {
    "name": "LeNet conv20@5 → maxpool2 → conv50@5 → maxpool2 → flatten → dense500 → relu → dense10, x=[2,1,28,28]",
    "spec": LENET_SPEC,
    "inputSeed": 7, "labels": lenet_labels, "params": lenet_params,
    "logits": dump(logits), "loss": r7(loss.item()), "grads": grads,
    "dx": summarise(images.grad, 6000),
}

fixture = {
    "about": "golden values from PyTorch; regenerate with /usr/bin/python3 test/golden/make-fixtures.py",
    "torch": torch.__version__,
    "layers": layers, "losses": losses, "lenet": lenet,
}
path = os.path.join(HERE, "fixtures.json")
with open(path, "w") as f:
    json.dump(fixture, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}: {os.path.getsize(path):,} bytes, {len(layers)} layer cases, {len(losses)} losses, LeNet", file=sys.stderr)
