"""Training on several machines: ``tf.distribute.MultiWorkerMirroredStrategy`` with a custom training step.

Keras 3's ``model.fit`` does not run under ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585: "Attempt to
convert a value (PerReplica…)"), so :func:`train_multiworker` runs its own loop: the same model builders, data
pipeline, learning-rate schedule and EarlyStopping/ReduceLROnPlateau callbacks as
:func:`~emojify_lib.model.training.train`, a ``tf.function`` step that calls ``strategy.run`` on a ``GradientTape``
step, and ``strategy.reduce`` to sum losses and counts over the workers. One machine with several GPUs needs none
of this: ``train()`` uses ``MirroredStrategy`` there.

A worker is started with ``TF_CONFIG`` (TensorFlow's standard) or ``python -m emojify_lib train --workers
host:port,host:port --index I`` (the CLI joins with :func:`join_cluster`, then chooses the data and recipe with
:func:`~emojify_lib.model.training.data_and_recipe`, as a one-machine run does); worker 0 is the chief, the only one that writes the model file and its JSON
record. Each worker keeps a checkpoint of its own (identical) state every epoch in
``models/backup/<name>.worker<I>/``, so a cluster started again with the same arguments resumes. When a worker
dies, the others notice once its heartbeats stop (TensorFlow's coordination service, some seconds) and end with a
:class:`ClusterError` that says so; start every worker again and they go on from the last finished epoch.

TensorFlow must set up a worker before it runs its first operation, so :func:`join_cluster` has to come first in
a fresh process. Before TensorFlow opens its ports, the workers meet in a plain-socket handshake on those same
ports: a malformed spec, a port already taken or a peer that never comes gives one :class:`ClusterError` within
``timeout`` seconds instead of TensorFlow's endless wait.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..core import config
from ..core.errors import ClusterError


# ------------------------------------------------------------------------------------------- the cluster
def parse_workers(workers: str | list[str], index: int) -> dict:
    """The ``TF_CONFIG`` dict for worker ``index`` of ``workers`` (``"host:port,host:port"`` or a list)."""
    names = [w.strip() for w in workers.split(",")] if isinstance(workers, str) else list(workers)
    return {"cluster": {"worker": names}, "task": {"type": "worker", "index": index}}


def check_tf_config(tf_config: dict | str) -> tuple[list[tuple[str, int]], int]:
    """Validate a ``TF_CONFIG`` (dict or JSON text); return the workers' ``(host, port)`` list and this
    worker's position in it. Raises :class:`ClusterError` saying what is wrong."""
    if isinstance(tf_config, str):
        try:
            tf_config = json.loads(tf_config)
        except ValueError as exc:
            raise ClusterError(f"TF_CONFIG is not valid JSON ({exc}); expected e.g. "
                               '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                               '"task": {"type": "worker", "index": 0}}') from None
    cluster, task = tf_config.get("cluster"), tf_config.get("task")
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ClusterError('TF_CONFIG needs a "cluster" (job name -> list of "host:port") and a "task" '
                           '({"type": ..., "index": ...})')
    unknown = set(cluster) - {"chief", "worker"}
    if unknown:
        raise ClusterError(f"TF_CONFIG: only 'chief' and 'worker' jobs are supported here, not {sorted(unknown)}")
    jobs = [(job, i, name) for job in ("chief", "worker") for i, name in enumerate(cluster.get(job) or [])]
    if len(jobs) < 2:
        raise ClusterError(f"a cluster needs at least two workers, got {[n for _, _, n in jobs]}; "
                           "for one machine use plain `train` (several GPUs: MirroredStrategy)")
    addresses = []
    for job, i, name in jobs:
        host, _, port = str(name).rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ClusterError(f"{job} {i}: {name!r} is not host:port (e.g. localhost:12345 or 10.0.0.2:12345)")
        addresses.append((host, int(port)))
    if len(set(addresses)) < len(addresses):
        raise ClusterError(f"two workers share one address in {[n for _, _, n in jobs]}; give each its own port")
    kind, index = task.get("type"), task.get("index")
    mine = [k for k, (job, i, _) in enumerate(jobs) if job == kind and i == index]
    if not mine:
        count = len(cluster.get(kind) or []) if kind in cluster else 0
        raise ClusterError(f"task {kind!r} index {index!r} is not in the cluster ({count} {kind!r} task(s); "
                           f"indexes start at 0)")
    return addresses, mine[0]


def _handshake(addresses: list[tuple[str, int]], me: int, timeout: float) -> None:
    """Meet every other worker on the cluster's own ports before TensorFlow takes them: listen on ours, connect
    to each peer's and say who we are; done when every peer has been reached and has said hello. A worker
    leaves only after each peer has reached it, so no one closes its port while another still knocks."""
    port = addresses[me][1]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("", port))
    except OSError as exc:
        server.close()
        raise ClusterError(f"worker {me}: port {port} on this machine is not free ({exc.strerror}); another "
                           "program (or an earlier worker still running) holds it: stop it or pick another port") from None
    peers = set(range(len(addresses))) - {me}
    reached, heard = set(), set()
    deadline = time.monotonic() + timeout
    with server:
        server.listen(len(addresses))
        server.settimeout(0.2)
        while reached != peers or heard != peers:
            if time.monotonic() > deadline:
                missing = sorted((peers - reached) | (peers - heard))
                raise ClusterError(
                    f"worker {me}: no answer within {timeout:g} s from worker(s) "
                    + ", ".join(f"{i} at {h}:{p}" for i, (h, p) in enumerate(addresses) if i in missing)
                    + "; start every worker with the same --workers list (each with its own --index), check the "
                      "host names and that no firewall blocks the ports, or raise --timeout")
            for i in sorted(peers - reached):
                try:
                    with socket.create_connection(addresses[i], timeout=0.5) as conn:
                        conn.sendall(f"emojify-worker {me}\n".encode())
                    reached.add(i)
                except OSError:
                    pass
            try:
                while True:
                    conn, _ = server.accept()
                    with conn:
                        conn.settimeout(2)
                        words = conn.recv(64).decode(errors="replace").split()
                    if len(words) == 2 and words[0] == "emojify-worker" and words[1].isdigit():
                        heard.add(int(words[1]))
            except OSError:  # socket.timeout: nobody else is knocking right now
                pass


_WATCHDOG = """import os, select, signal, sys
ready, _, _ = select.select([sys.stdin], [], [], float(sys.argv[2]))
if not ready:
    sys.stderr.write(sys.argv[3] + "\\n")
    os.kill(int(sys.argv[1]), signal.SIGKILL)
"""


def join_cluster(workers: str | list[str] | None = None, index: int | None = None, timeout: float = 60.0):
    """Join a cluster of workers and return its ``MultiWorkerMirroredStrategy``.

    ``workers``/``index`` give the cluster (``"host:port,host:port"``, this worker's position); without them
    ``TF_CONFIG`` does. Call it first in a fresh process, before anything runs a TensorFlow operation. Raises
    :class:`ClusterError` for a bad spec, a port in use, or a peer missing after ``timeout`` seconds. Should
    TensorFlow's own start-up still stall after the handshake, a watchdog process ends this one after
    ``timeout`` seconds with a message on stderr (TensorFlow holds the interpreter while it waits).
    """
    if workers is not None:
        if index is None:
            raise ClusterError("--workers needs --index: this worker's position in the list (0 = the chief)")
        tf_config = parse_workers(workers, index)
    elif os.environ.get("TF_CONFIG"):
        tf_config = os.environ["TF_CONFIG"]
    else:
        raise ClusterError("no cluster given: pass workers='host:port,host:port' and index, or set TF_CONFIG")
    addresses, me = check_tf_config(tf_config)
    os.environ["TF_CONFIG"] = tf_config if isinstance(tf_config, str) else json.dumps(tf_config)
    _handshake(addresses, me, timeout)

    config.quiet_tensorflow(first_op=False)
    import tensorflow as tf

    message = (f"emojify: error: worker {me}: TensorFlow did not finish joining the cluster within {timeout:g} s "
               "after every worker answered; a worker may have stopped: start them all again")
    watchdog = subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(timeout), message],
                                stdin=subprocess.PIPE)
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        _sum_over_workers(strategy, [1.0])  # a barrier: every worker is in
    except RuntimeError as exc:
        if "at program startup" in str(exc):
            raise ClusterError("join_cluster must run before any TensorFlow operation in this process; "
                               "start the worker in a fresh Python process (e.g. the CLI)") from None
        raise
    finally:
        watchdog.stdin.close()
        watchdog.wait()
    return strategy


def _first_line(message: str) -> str:
    """TensorFlow's error message without its ``{{function_node ...}}`` prefix: the first line, at most 160 chars."""
    import re

    return re.sub(r"\{\{.*?\}\}\s*", "", str(message)).strip().split("\n")[0][:160]


def _sum_over_workers(strategy, values):
    """``values`` (numbers) summed over the workers, as a NumPy array (one all-reduce; every worker must call)."""
    import tensorflow as tf

    per_device = len(strategy.extended.worker_devices)  # each worker counts once, whatever its device count
    run = tf.function(lambda: strategy.reduce(
        "SUM", strategy.run(lambda: tf.constant(values, tf.float64) / per_device), axis=None))
    return run().numpy()


# ---------------------------------------------------------------------------------------------- training
@dataclass
class MultiWorkerResult:
    """What one worker's :func:`train_multiworker` returns: per-epoch ``history`` (lists under ``loss``,
    ``accuracy``, ``val_loss``, ``val_accuracy``, ``learning_rate``), the ``model`` (best weights),
    ``model_path`` (written by the chief only), ``is_chief``, ``worker``/``workers`` and the epoch it resumed at."""
    history: dict
    model: object
    model_path: Path
    is_chief: bool
    worker: int
    workers: int
    resumed_at_epoch: int
    seconds: float
    images_per_second: float


def weights_checksum(model) -> float:
    """Sum of ``|w|`` over every weight, in float64: equal on workers that stayed in step."""
    import numpy as np

    return float(sum(np.abs(np.asarray(w, dtype=np.float64)).sum() for w in model.get_weights()))


def train_multiworker(strategy, model: str, data, epochs: int | None = None, *, batch_size: int | None = None,
                      learning_rate: float | None = None, augment: bool | None = None, out: str | Path | None = None,
                      recipe=None, resume: bool = True, verbose: bool = False, seed: int = 0) -> MultiWorkerResult:
    """Train model ``model`` (``"classic"``/``"strong"``) on ``data`` with the workers of ``strategy`` (from
    :func:`join_cluster`). Every worker must call it with the same arguments and data.

    Each worker takes ``batch_size`` faces per step (default: the recipe's), so a step uses a global batch of
    ``batch_size × workers``; the per-example losses are averaged over the global batch and the gradients summed
    over the workers, so all copies make the same update. Other arguments as :func:`~emojify_lib.model.training.train`.
    """
    import keras
    import tensorflow as tf

    from . import networks, training
    from ..data.pipeline import make_tf_dataset

    settings = training.run_settings(data, recipe, epochs, batch_size, learning_rate, augment, out)
    recipe, epochs, batch_size, augment, out = (
        settings.recipe, settings.epochs, settings.batch_size, settings.augment, settings.out)
    resolver = strategy.cluster_resolver
    jobs = resolver.cluster_spec().as_dict()
    workers = sum(len(tasks) for tasks in jobs.values())
    worker = resolver.task_id + (1 if resolver.task_type == "worker" and "chief" in jobs else 0)  # chief first
    is_chief = worker == 0
    keras.utils.set_random_seed(seed)  # same seed everywhere: same shuffling on every worker

    global_batch = batch_size * strategy.num_replicas_in_sync  # replicas = workers × devices per worker
    steps_per_epoch = training.steps_per_epoch(len(data.train[1]), batch_size, strategy.num_replicas_in_sync)
    with strategy.scope():
        model = training.compile_model(networks.build_model(model), steps_per_epoch, epochs, recipe, learning_rate)
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)

    shard = tf.data.Options()
    shard.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    train_ds = strategy.experimental_distribute_dataset(make_tf_dataset(
        *data.train, batch_size=global_batch, shuffle=True, augment=augment, seed=seed).with_options(shard))
    val_ds = strategy.experimental_distribute_dataset(
        make_tf_dataset(*data.val, batch_size=global_batch).with_options(shard))

    def sums(x, y, probs):  # summed loss, right answers, faces: added up over workers by strategy.reduce
        per_example = keras.losses.sparse_categorical_crossentropy(y, probs)
        right = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, -1), y), tf.float32))
        return per_example, tf.stack([tf.reduce_sum(per_example), right, tf.cast(tf.size(y), tf.float32)])

    def train_one(x, y):
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            per_example, counts = sums(x, y, probs)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            if model.losses:  # the strong CNN's L2 penalties, shared out between the replicas
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return counts

    @tf.function(reduce_retracing=True)
    def train_step(batch):
        return strategy.reduce("SUM", strategy.run(train_one, args=batch), axis=None)

    @tf.function(reduce_retracing=True)
    def val_step(batch):
        return strategy.reduce("SUM", strategy.run(lambda x, y: sums(x, y, model(x, training=False))[1],
                                                   args=batch), axis=None)

    # Checkpoints: each worker keeps its own copy (all copies are equal), so no shared disk is needed.
    epoch_done = tf.Variable(0, dtype=tf.int64, trainable=False)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch_done)
    backup_dir = out.parent / "backup" / f"{out.stem}.worker{worker}"
    if not resume and backup_dir.exists():
        shutil.rmtree(backup_dir)
    manager = tf.train.CheckpointManager(checkpoint, str(backup_dir), max_to_keep=1)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).expect_partial()
    start_epoch = int(epoch_done.numpy())
    total, squares = _sum_over_workers(strategy, [start_epoch, start_epoch ** 2]) / workers
    if squares - total ** 2 > 1e-6:  # the epochs' variance over the workers: zero when all agree
        raise ClusterError(f"worker {worker}: the workers' checkpoints are at different epochs (this one: "
                           f"{start_epoch}); start every worker again with --restart to train afresh")

    callbacks = keras.callbacks.CallbackList(training.schedule_callbacks(recipe, epochs), model=model)
    history: dict[str, list] = {}
    callbacks.on_train_begin()
    started = time.perf_counter()
    for epoch in range(start_epoch, epochs):
        try:
            totals = sum(train_step(batch) for batch in train_ds).numpy()
            val = sum(val_step(batch) for batch in val_ds).numpy()
        except (tf.errors.UnavailableError, tf.errors.CancelledError, tf.errors.AbortedError,
                tf.errors.DeadlineExceededError) as exc:  # a peer stopped: its heartbeats ended
            if epoch:
                kept = (f"its checkpoint after epoch {epoch} is kept in {backup_dir}: start every worker again "
                        "with the same command to resume from there")
            else:
                kept = "no epoch had finished yet: start every worker again with the same command"
            raise ClusterError(f"worker {worker}: lost the other worker(s) during epoch {epoch + 1}/{epochs} "
                               f"({type(exc).__name__}: {_first_line(exc.message)}); {kept}") from None
        logs = {"loss": totals[0] / totals[2], "accuracy": totals[1] / totals[2],
                "val_loss": val[0] / val[2], "val_accuracy": val[1] / val[2],
                "learning_rate": float(keras.ops.convert_to_numpy(optimizer.learning_rate))}
        for key, value in logs.items():
            history.setdefault(key, []).append(float(value))
        if verbose:
            print(f"worker {worker}/{workers} epoch {epoch + 1}/{epochs}: "
                  + ", ".join(f"{k} {v:.4g}" for k, v in logs.items()), flush=True)
        callbacks.on_epoch_end(epoch, logs)
        epoch_done.assign(epoch + 1)
        manager.save()
        if model.stop_training:
            break
    callbacks.on_train_end()  # EarlyStopping puts back the best epoch's weights
    seconds = time.perf_counter() - started
    epochs_run = len(history.get("loss", []))
    rate = len(data.train[1]) * epochs_run / max(seconds, 1e-9)
    if is_chief:
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save(out)
        training.write_run_record(out, data, model.name, history, seconds, resumed_at_epoch=start_epoch,
                                  optimizer_steps=int(optimizer.iterations.numpy()), steps_per_epoch=steps_per_epoch,
                                  workers=workers, cluster=jobs, strategy="MultiWorkerMirroredStrategy (custom step)")
    shutil.rmtree(backup_dir, ignore_errors=True)  # finished: nothing to resume
    return MultiWorkerResult(history, model, out, is_chief, worker, workers, start_epoch, seconds, rate)
