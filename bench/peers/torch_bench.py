"""PyTorch side of `npm run bench`: the zoo's networks built with torch.nn, the same MNIST
batches, optimiser and measurements as convscope's (bench/convscope.ts), printed as one JSON
object on stdout with the field names of bench/figures.ts; progress goes to stderr.

It reads the gzipped idx files itself, so nothing but the directory is shared with the TypeScript
side. It measures and reports; it does not compare or format tables.

    /usr/bin/python3 bench/peers/torch_bench.py --data ../shared/mnist --threads 2 --models mlp,tiny,lenet \
        --workload '{"batchSize":64,"lr":0.01,"momentum":0.9,"warmup":5,"trainBatches":{"mlp":400},
                     "inferBatch":1000,"inferBudgetMs":2000,"inferMaxReps":10,"latencyRuns":300}'
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

MEAN, STD = 0.1307, 0.3081
TRAIN_WINDOWS = 5


def read_idx(path):
    """Decodes one idx file of unsigned bytes (gzipped or not) into a uint8 tensor."""
    import torch

    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', raw[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f'{path}: expected an idx file of unsigned bytes, got magic {raw[:4].hex()}')
    dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def find(data_dir, stem):
    for name in (stem + '.gz', stem):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise SystemExit(f'{data_dir}: no {stem}.gz or {stem}')


def build(name):
    """The zoo's architectures (src/models/zoo.ts) with PyTorch's default initialisation."""
    from torch import nn

    if name == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 10))
    if name == 'tiny':
        return nn.Sequential(nn.Conv2d(1, 2, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 4, 3), nn.Sigmoid(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(100, 10))
    if name == 'lenet':
        return nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
    raise SystemExit(f'unknown model {name!r}; expected mlp, tiny or lenet')


def normalized(images_u8):
    """Bytes to standardised floats [N,1,28,28], per batch, as convscope's batch filling does."""
    import torch

    return images_u8.to(torch.float32).unsqueeze(1).mul_(1 / (255 * STD)).add_(-MEAN / STD)


def repeat_timed(fn, warm, min_reps, max_reps, budget_s):
    """Seconds per call of fn(rep), as bench/figures.ts repeatTimed."""
    for i in range(warm):
        fn(i)
    times = []
    start = time.perf_counter()
    for r in range(max_reps):
        if r >= min_reps and time.perf_counter() - start > budget_s:
            break
        t = time.perf_counter()
        fn(r)
        times.append(time.perf_counter() - t)
    return times


def bench_train(name, train_x, train_y, w, batches):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(1)
    model = build(name).train()
    opt = torch.optim.SGD(model.parameters(), lr=w['lr'], momentum=w['momentum'])
    B, warmup = w['batchSize'], w.get('warmupFor', {}).get(name, w['warmup'])
    perm = torch.randperm(train_x.shape[0])
    losses = []
    stamps = []
    for b in range(warmup + batches):
        if b == warmup:
            stamps.append(time.perf_counter())
        idx = perm[b * B:(b + 1) * B]
        x = normalized(train_x[idx])
        y = train_y[idx].long()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if b >= warmup:
            stamps.append(time.perf_counter())
    return train_figure(stamps, B, warmup, losses)


def train_figure(stamps, batch_size, warmup, losses):
    """As trainFigure in bench/figures.ts: the median of up to 5 windows' rates, and the overall rate."""
    batches = len(stamps) - 1
    k = min(TRAIN_WINDOWS, batches)
    windows = []
    for i in range(k):
        a, b = js_round(i * batches / k), js_round((i + 1) * batches / k)
        windows.append((b - a) * batch_size / (stamps[b] - stamps[a]))
    seconds = stamps[-1] - stamps[0]
    return {'batches': batches, 'warmup': warmup, 'batchSize': batch_size, 'seconds': seconds,
            'imagesPerSecond': statistics.median(windows), 'overallImagesPerSecond': batches * batch_size / seconds,
            'windows': windows, 'firstLoss': losses[0], 'lastLoss': losses[-1]}


def js_round(x):
    """Math.round: halves go up (Python's round() goes to even)."""
    return int(x + 0.5)


def bench_infer(name, test_x, w):
    import torch

    model = build(name).eval()
    B = w['inferBatch']

    def run(count):
        model(normalized(test_x[:count]))

    with torch.no_grad():
        run(min(B, 50))
        run(min(B, 50))
        times = repeat_timed(lambda _: run(B), 0, 1, w['inferMaxReps'], w['inferBudgetMs'] / 1000)
    med = statistics.median(times)
    return {'batch': B, 'reps': len(times), 'medianSeconds': med, 'imagesPerSecond': B / med}


def bench_latency(name, test_x, w):
    """One digit through the model, every layer's output kept: the equivalent of convscope's trace."""
    import torch

    model = build(name).eval()

    def one(r):
        h = normalized(test_x[r % 100:r % 100 + 1])
        trace = []
        for layer in model:
            h = layer(h)
            trace.append(h)
        return trace

    with torch.no_grad():
        times = repeat_timed(one, 20, w['latencyRuns'], w['latencyRuns'], float('inf'))
    return {'runs': len(times), 'medianMs': statistics.median(times) * 1000, 'minMs': min(times) * 1000}


def loaded_blas():
    """The BLAS shared libraries this process has mapped (Debian's torch takes the system's libblas.so.3)."""
    try:
        with open('/proc/self/maps') as f:
            return sorted({line.split()[-1] for line in f if 'blas' in line.lower() and '.so' in line})
    except OSError:
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='../shared/mnist')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--models', default='mlp,tiny,lenet')
    ap.add_argument('--workload', required=True, help='JSON, the fields of Workload in bench/figures.ts')
    a = ap.parse_args()
    w = json.loads(a.workload)

    import torch

    torch.set_num_threads(a.threads)
    train_x = read_idx(find(a.data, 'train-images-idx3-ubyte'))
    train_y = read_idx(find(a.data, 'train-labels-idx1-ubyte'))
    test_x = read_idx(find(a.data, 't10k-images-idx3-ubyte'))
    results = {}
    for name in [m for m in a.models.split(',') if m]:
        print(f'  PyTorch {name} ...', file=sys.stderr, flush=True)
        batches = w['trainBatches'].get(name, 0)
        results[name] = {
            'train': bench_train(name, train_x, train_y, w, batches) if batches > 0 else {'na': w.get('trainSkipped', 'not run in this workload')},
            'infer': bench_infer(name, test_x, w),
            'latency': bench_latency(name, test_x, w),
        }
    blas = loaded_blas()
    print(json.dumps({
        'version': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas,
        'openblas': any('openblas' in p for p in blas),
        'mkldnn': torch.backends.mkldnn.is_available(),
        'cpuCapability': next((line.split(':', 1)[1].strip() for line in torch.__config__.show().splitlines() if 'CPU capability' in line), None),
        'python': sys.version.split()[0],
        'models': results,
    }))


if __name__ == '__main__':
    main()
