#!/usr/bin/env python3
"""Extracts the published latency measurements mbench calibrates on.

Run once by a maintainer with the shared reference data next to the checkout
(`python3 data/latency/extract.py ../shared/data`); the output,
data/latency/measurements.csv, is committed so that a user's clone can refit
every profile without the shared directory. Each output row keeps the source
of the number it carries.

Only rows whose network mbench can rebuild exactly are kept: the ncnn
benchmark's own .param files (copied to data/ncnn_params/) and published
models that the zoo builds (MobileNetV1/V2, MnasNet-A1, ...). Rows measured on
networks "in their own implementation" or on whole task pipelines are left out
because their structure is not known.
"""
import csv
import re
import sys

SHARED = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
OUT = "data/latency/measurements.csv"

# ncnn benchmark SoC name -> mbench device id. Only phones ("mobile" rows).
NCNN_DEVICES = {
    "Snapdragon 821": "pixel1",
    "Snapdragon 835": "pixel2",
    "Snapdragon 855+": "sd855plus",
    "Kirin 970": "kirin970",
    "Snapdragon 8 Gen 2": "sd8gen2",
    "Snapdragon 888": "sd888",
    "Snapdragon 810": "sd810",
    "Snapdragon 660": "sd660",
    "Snapdragon 675": "sd675",
    "Snapdragon 765G": "sd765g",
    "Snapdragon 410": "sd410",
    "MediaTek Dimensity 9300": "dimensity9300",
    "Apple A7": "iphone5s",
}

PUBLISHED_DEVICES = {
    "Pixel 1": "pixel1",
    "Pixel 2": "pixel2",
    "Pixel 3": "pixel3",
    "Pixel 4": "pixel4",
    "iPhone XS": "iphonexs",
}

QAI_DEVICES = {
    "QCS8550 (Proxy)": "sd8gen2",
    "Samsung Galaxy S24": "galaxys24",
    "Samsung Galaxy S25": "galaxys25",
}

# QAI Hub model id -> (zoo name, width, resolution). The width is the one whose parameter count
# matches the table's num_parameters: AI Hub's shufflenet_v2 lists 1.37M, torchvision's
# shufflenet_v2_x0_5 (1,366,792), not x1_0 (2.28M); the others list the parameters of the
# zoo's width-1 networks (3.49M, 1.24M, 19.3M, 25.0M, 88.7M, 68.9M, 21.4M). AI Hub's resnext101
# is torchvision's 32x8d (88,791,336), not 64x4d (83.5M).
QAI_MODELS = {
    "mobilenet_v2": ("mobilenet_v2", 1, 224),
    "shufflenet_v2": ("shufflenet_v2", 0.5, 224),
    "squeezenet1_1": ("squeezenet1_1", 1, 224),
    "efficientnet_b4": ("efficientnet_b4", 1, 380),
    "resnext50": ("resnext50_32x4d", 1, 224),
    "resnext101": ("resnext101_32x8d", 1, 224),
    "wideresnet50": ("wide_resnet50_2", 1, 224),
    "efficientnet_v2_s": ("efficientnet_v2_s", 1, 384),
}


def published_model(name, size):
    """Maps a published model name to (zoo name, width, resolution) or None."""
    if "their impl" in name or "[task pipeline]" in name or "variant" in name:
        return None
    m = re.match(r"^(\d+)x(\d+)$", size)
    if not m or m.group(1) != m.group(2):
        return None
    res = int(m.group(1))
    rules = [
        (r"^MobileNetV1 ([\d.]+)$", "mobilenet_v1"),
        (r"^MobileNetV2 ([\d.]+)$", "mobilenet_v2"),
        (r"^MnasNet-A1 ([\d.]+)$", "mnasnet_a1"),
    ]
    for pattern, zoo in rules:
        mm = re.match(pattern, name)
        if mm:
            return (zoo, float(mm.group(1)), res)
    fixed = {
        "ProxylessNAS-Mobile": "proxylessnas_mobile",
        "ProxylessNAS-Mobile (1.0)": "proxylessnas_mobile",
        "Inception-v3": "inception_v3",
        "Inception-v1": "googlenet",
        "DenseNet (TFLite zoo)": "densenet121",
        "MobileNetV2 + SSDLite (COCO)": "ssdlite_mobilenet_v2",
    }
    if name in fixed:
        return (fixed[name], 1.0, res)
    mm = re.match(r"^ShuffleNetV1 ([\d.]+)x \(g=3\)$", name)
    if mm:
        return ("shufflenet_v1", float(mm.group(1)), res)
    return None


def ncnn_input_flag(model, whc):
    """'name=1,C,H,W' for the first Input layer of an ncnn .param, from benchncnn's WxHxC."""
    w, h, c = whc.split("x")
    for line in open(SHARED + "/ncnn_params/%s.param" % model):
        f = line.split()
        if f and f[0] == "Input":
            return "%s=1,%s,%s,%s" % (f[4], c, h, w)
    raise SystemExit("no Input layer in %s.param" % model)


def fmt_width(w):
    return ("%g" % w) if w is not None else ""


def main():
    rows = []
    # ncnn benchmark: phones only.
    for r in csv.DictReader(open(SHARED + "/ncnn_benchmark.csv")):
        if r["category"] != "mobile" or r["soc"] not in NCNN_DEVICES:
            continue
        gpu = r["backend"] == "gpu"
        model = r["model_canonical"]
        int8 = r["int8"] == "1"
        # ncnn's Vulkan backend has no int8 layers: the GPU rows of the _int8 models time the
        # CPU's int8 kernels, at a thread count the table does not give (Dimensity 9300
        # squeezenet_int8: 3.17 ms "gpu", 3.16 ms CPU int8 on one thread, 12.32 ms for fp16
        # squeezenet on the GPU). They measure no GPU and are left out.
        if gpu and int8:
            continue
        rows.append({
            "device_id": NCNN_DEVICES[r["soc"]],
            "compute_unit": "gpu" if gpu else "cpu",
            "runtime": "ncnn",
            "precision": "fp16" if gpu else ("int8" if int8 else "fp32"),
            "threads": "" if gpu else r["threads"],
            "cluster": "" if gpu else r["cluster"],
            "model_ref": "ncnn_params/%s.param" % model,
            "width": "",
            "resolution": "",
            "input_shape": ncnn_input_flag(model, r["input_whc"]),
            "latency_ms": r["avg_ms"],
            "measured_on": r["device"],
            "source": "ncnn benchmark/README.md line %s (%s, commit %s)" % (
                r["readme_line"], r["line_date"], r["line_commit"]),
        })
    # Published TFLite tables.
    for r in csv.DictReader(open(SHARED + "/published_latency.csv")):
        dev = PUBLISHED_DEVICES.get(r["device"])
        if dev is None:
            continue
        mapped = published_model(r["model"], r["input_size"])
        if mapped is None:
            continue
        zoo, width, res = mapped
        backend = r["backend"]
        unit = {"cpu": "cpu", "gpu": "gpu", "nnapi": "npu"}[backend]
        runtime = "nnapi" if backend == "nnapi" else "tflite"
        threads = r["threads"]
        if backend == "cpu" and threads == "":
            threads = "1"  # the README's note: paper measured one large core
        precision = r["precision"] or "fp32"
        rows.append({
            "device_id": dev,
            "compute_unit": unit,
            "runtime": runtime,
            "precision": precision,
            "threads": threads if unit == "cpu" else "",
            "cluster": "big" if unit == "cpu" else "",
            "model_ref": "zoo:" + zoo,
            "width": fmt_width(width),
            "resolution": str(res),
            "input_shape": "",
            "latency_ms": r["latency_ms"],
            "measured_on": r["device"],
            "source": r["source"],
        })
    # Kirin 970 NPU: AI Benchmark 2018, test 2 = Inception-V3 at 346x346,
    # float (ai-benchmark.com/tests.html). Three phones with the same SoC.
    for phone, ms in (("Huawei P20 Pro", 130), ("Huawei Honor 10", 140),
                      ("Huawei P20", 133)):
        rows.append({
            "device_id": "kirin970",
            "compute_unit": "npu",
            "runtime": "hiai",
            "precision": "fp16",
            "threads": "",
            "cluster": "",
            "model_ref": "zoo:inception_v3",
            "width": "1",
            "resolution": "346",
            "input_shape": "",
            "latency_ms": str(ms),
            "measured_on": phone,
            "source": "AI Benchmark 2018 results (ai-benchmark.com), test 2 "
                      "float, via Koul et al. 2020; test networks per "
                      "ai-benchmark.com/tests.html",
        })
    # Qualcomm AI Hub: NPU rows of networks the zoo builds.
    for r in csv.DictReader(open(SHARED + "/qai_hub_perf.csv")):
        dev = QAI_DEVICES.get(r["device"])
        if dev is None or r["model_id"] not in QAI_MODELS:
            continue
        if r["primary_compute_unit"] != "NPU" or r["job_status"] != "Passed":
            continue
        runtime = {"tflite": "tflite", "qnn_dlc": "qnn"}.get(r["runtime"])
        precision = {"float": "fp16", "w8a8": "int8"}.get(r["precision"])
        if runtime is None or precision is None:
            continue
        zoo, width, res = QAI_MODELS[r["model_id"]]
        rows.append({
            "device_id": dev,
            "compute_unit": "npu",
            "runtime": runtime,
            "precision": precision,
            "threads": "",
            "cluster": "",
            "model_ref": "zoo:" + zoo,
            "width": fmt_width(width),
            "resolution": str(res),
            "input_shape": "",
            "latency_ms": r["inference_time_ms"],
            "measured_on": r["device"],
            "source": "Qualcomm AI Hub " + r["source"] + " (" + r["tool_versions"] + ")",
        })
    fields = ["device_id", "compute_unit", "runtime", "precision", "threads",
              "cluster", "model_ref", "width", "resolution", "input_shape", "latency_ms",
              "measured_on", "source"]
    rows.sort(key=lambda r: tuple(r[f] for f in fields[:9]))
    with open(OUT, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print("%d rows -> %s" % (len(rows), OUT))


if __name__ == "__main__":
    main()
