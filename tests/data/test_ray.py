import gzip

import pytest


@pytest.mark.slow  # a local Ray cluster takes 20-30 s to start on a small machine
def test_ray_executor_gives_the_same_documents_as_the_local_one(tmp_path, small_corpus, finished_run, recipe_factory):
    ray = pytest.importorskip("ray")
    from seaforge.data.pipeline import run_recipe
    from seaforge.data.recipe import load_recipe

    _, _, reference = finished_run
    recipe = load_recipe(
        recipe_factory(tmp_path, small_corpus, tmp_path / "ray-out", keep_rejected=True), {"executor.kind": "ray"}
    )
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        run_recipe(recipe)
    finally:
        ray.shutdown()

    def read(root):
        return {str(p.relative_to(root)): gzip.open(p).read() for p in sorted((root / "docs").rglob("*.jsonl.gz"))}

    assert read(tmp_path / "ray-out") == read(reference)
