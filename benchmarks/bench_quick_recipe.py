"""Group 9 — which learning rate lets lesson 05's quick run (the classic CNN, 2 epochs of batch 16 on the 2,070
sample faces, class weights) leave chance, over several random seeds.

The classic CNN (no batch normalisation) first sits at chance: it predicts one class for every face until its
features break symmetry. How many steps that takes depends on the seed and on the rate. Each seed trains the two
recipes the lesson could use from the same start: the full recipe's warm-up + cosine schedule to 1e-3, and a constant
5e-4. Lesson 05 asserts a validation accuracy above 3 × chance (3/7 = 42.9 %); the rows count the seeds that pass.
"""
from __future__ import annotations

import statistics
import time

from common import Results

import keras

from emojify_lib.core.emotions import NUM_CLASSES
from emojify_lib.data import fer2013
from emojify_lib.data.pipeline import class_weights, make_tf_dataset
from emojify_lib.model import networks
from emojify_lib.model import training

SEEDS = (0, 1, 2, 3)
EPOCHS, BATCH = 2, 16
RECIPES = {
    "warm-up + cosine to 1e-3": training.Recipe.full(),
    "constant 5e-4": training.Recipe(schedule="plateau", learning_rate=5e-4),  # a plateau recipe starts constant
}


def run(recipe: training.Recipe, seed: int, ds) -> tuple[float, float]:
    """(best validation accuracy, seconds) of one quick run, set up as lesson 05 sets it up."""
    keras.utils.set_random_seed(seed)
    train_ds = make_tf_dataset(*ds.train, batch_size=BATCH, shuffle=True)
    val_ds = make_tf_dataset(*ds.val, batch_size=BATCH)
    model = networks.classic_cnn()
    training.compile_model(model, training.steps_per_epoch(len(ds.train[1]), BATCH), EPOCHS, recipe)
    start = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, class_weight=class_weights(ds.train[1]),
                        shuffle=False, verbose=0)
    return max(history.history["val_accuracy"]), time.perf_counter() - start


def main() -> Results:
    results = Results("9 quick recipe")
    ds = fer2013.load_dataset(source="sample", quick=True, verbose=False)
    bar = 3 / NUM_CLASSES
    for name, recipe in RECIPES.items():
        accuracies, seconds = [], []
        for seed in SEEDS:
            acc, sec = run(recipe, seed, ds)
            accuracies.append(acc)
            seconds.append(sec)
            print(f"  {name}, seed {seed}: validation accuracy {acc:.1%} in {sec:.0f} s", flush=True)
        passed = sum(a > bar for a in accuracies)
        results.add(f"{name}: seeds above 3 × chance ({bar:.1%}) after {EPOCHS} epochs", passed,
                    f"of {len(SEEDS)}", "validation accuracy per seed " + ", ".join(f"{a:.1%}" for a in accuracies)
                    + f"; median {statistics.median(seconds):.0f} s per run")
    results.save()
    return results


if __name__ == "__main__":
    main()
