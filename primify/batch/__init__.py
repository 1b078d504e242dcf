"""Converting many pictures: inputs expanded, every output path planned in one place, tasks run
here, in processes or on Dask, and results written and reported."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from ..io.reasons import reason
from .plan import Plan
from .reading import byte_limit, read
from .report import NOT_WRITTEN, save
from .work import Result, Task


def run(
    plan: Plan,
    task: Task,
    runner: Callable[[Iterable[Task]], Iterable[Result]],
    on_result: Callable[[Result, tuple[Path, ...]], None],
) -> None:
    """Runs a batch. Each item of ``plan`` that needs converting becomes ``task`` with the item's
    index, name and picture, goes through ``runner`` (such as ``runners.run_here`` with its other
    arguments given) and gets its files written, all or none; every item's result, with the files
    it has, goes to ``on_result`` as it comes, the ones that need no work at once."""

    def todo() -> Iterator[Task]:
        for item in plan.items:
            result = plan.verdict(item)
            if result is None:
                try:
                    data = read(item.source.path, byte_limit(task.max_pixels))
                except (OSError, ValueError) as e:
                    name = item.source.name
                    result = Result(item.index, name, error=f"cannot read '{name}': {reason(e)}")
                else:
                    yield replace(
                        task,
                        index=item.index,
                        name=item.source.name,
                        data=data,
                        raster=plan.raster_side(item, task.settings.size),
                    )
                    continue
            on_result(result, item.outputs if result.status == "skipped" else ())

    for result in runner(todo()):
        item = plan.items[result.index]
        if result.stopped and result.scene is not None and plan.finished_kept(item):
            on_result(replace(result, notes=[*result.notes, NOT_WRITTEN]), ())
            continue
        if result.scene is not None:
            try:
                save(result, item, plan)
            except FileExistsError as e:
                # Checked before converting, so another run (or an earlier run's frame) put it there.
                result = replace(
                    result,
                    error=f"'{e.filename}' exists, so none of the outputs of "
                    f"'{item.source.name}' were written; pass --overwrite to replace it",
                )
            except OSError as e:
                where = f"'{e.filename}'" if e.filename else f"the outputs of '{item.source.name}'"
                result = replace(result, error=f"cannot write {where}: {reason(e)}")
            except Exception as e:  # too large a side for a JPEG, memory for a huge PNG: this picture's alone
                result = replace(result, error=f"cannot write the outputs of '{item.source.name}': {reason(e)}")
        on_result(result, item.outputs)
