"""Group 2 — classifier latency: one face and a batch of 8, seed and strong models, through ``model.predict``,
a direct eager call, our compiled ``tf.function`` (what ``EmotionPredictor.classify`` uses) and a TFLite
interpreter with XNNPACK; FLOPs per face and the fraction of this CPU's measured float32 matmul peak."""
from __future__ import annotations

import numpy as np
from common import Results, best_of

from emojify_lib.model import networks
from emojify_lib.live.predictor import EmotionPredictor


def flops_per_face(model) -> int:
    """Multiply-adds × 2 of the Conv2D and Dense layers for one 48×48 face."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            k = layer.kernel_size[0] * layer.kernel_size[1]
            total += 2 * h * w * c_out * k * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)


def matmul_peak() -> float:
    """Best float32 GFLOP/s of a 2048² matmul, NumPy (BLAS) or TensorFlow, whichever is faster here."""
    import tensorflow as tf

    n = 2048
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    t_np = best_of(lambda: a @ a, repeat=5)
    ta = tf.constant(a)
    mm = tf.function(lambda x: tf.matmul(x, x))
    mm(ta)
    t_tf = best_of(lambda: mm(ta).numpy(), repeat=5)
    return 2 * n ** 3 / min(t_np, t_tf) / 1e9


def tflite_runner(model):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    interpreter = tf.lite.Interpreter(model_content=converter.convert(), num_threads=2)

    def run(x):
        interpreter.resize_tensor_input(0, x.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    return run


def main() -> Results:
    res = Results("2 classifier latency")
    peak = matmul_peak()
    res.add("CPU float32 matmul peak (2048², best of NumPy/TF)", peak, "GFLOP/s")
    rng = np.random.default_rng(0)
    for name in ("classic", "strong"):
        model = networks.build_model(name)
        flops = flops_per_face(model)
        limit_ms = flops / (peak * 1e9) * 1e3
        res.add(f"{name}: FLOPs per face", flops / 1e6, "MFLOP", f"FLOP limit {limit_ms:.2f} ms/face at peak")
        predictor = EmotionPredictor(model)
        lite = tflite_runner(model)
        for batch in (1, 8):
            faces = rng.integers(0, 256, (batch, 48, 48), dtype=np.uint8)
            x = faces[..., None].astype(np.float32)
            paths = {"model.predict": lambda: model.predict(x, verbose=0),
                     "model(x) eager call": lambda: model(x, training=False).numpy(),
                     "tf.function (EmotionPredictor.classify)": lambda: predictor.classify(faces),
                     "TFLite + XNNPACK": lambda: lite(x)}
            for path, fn in paths.items():
                fn()
                seconds = best_of(fn, repeat=7, number=5)
                per_face = seconds / batch * 1e3
                res.add(f"{name}, batch {batch}: {path}", per_face, "ms/face",
                        f"{flops * batch / seconds / 1e9 / peak:.0%} of peak; {per_face / limit_ms:.1f}× the FLOP limit")
    res.save()
    return res


if __name__ == "__main__":
    main()
