#!/usr/bin/python3
"""Which kernels PyTorch CUDA runs for one nightmare iteration (torch_peer.py's, FP32, TF32 off,
cudnn.benchmark on), and how long each takes: the GPU profile's peer half.

  python3 torch_profile.py TORCH_PEER_DIR CFG [size=512] [layer=10] [--nchw]
"""
import sys
sys.path.insert(0, sys.argv[1])
import statistics, time
import torch
import torch_peer

cfg = sys.argv[2]
size = int(sys.argv[3]) if len(sys.argv) > 3 else 512
layer = int(sys.argv[4]) if len(sys.argv) > 4 else 10
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
net = torch_peer.build(cfg, layer, 'cuda')
if '--nchw' in sys.argv:
    net = net.to(memory_format=torch.contiguous_format)
image = torch.rand(1, 3, size, size, device='cuda')
if '--nchw' not in sys.argv:
    image = image.contiguous(memory_format=torch.channels_last)
for _ in range(5):
    torch_peer.iteration(net, image)
torch.cuda.synchronize()
times = []
for _ in range(20):
    t = time.perf_counter()
    torch_peer.iteration(net, image)
    torch.cuda.synchronize()
    times.append(time.perf_counter() - t)
print(f"{'nchw' if '--nchw' in sys.argv else 'channels_last'} median {statistics.median(times) * 1000:.3f} ms")
with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
    torch_peer.iteration(net, image)
    torch.cuda.synchronize()
try:
    for e in prof.events():
        if e.device_type == torch.autograd.DeviceType.CUDA:
            print(f"{e.device_time_total / 1000:8.3f} ms  {e.name[:150]}")
except Exception as x:
    print('events:', x)
    print(prof.key_averages().table(row_limit=60, max_name_column_width=150))
