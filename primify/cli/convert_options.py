"""The options of ``primify convert``, in the order ``--help`` shows them (the ones ``render``
shares are in ``options``)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..batch.names import DEFAULT_NAME, check_template
from ..render.raster import EDGES
from ..settings import MAX_SIZE, Settings
from ..shapes import KINDS
from .checks import opacity, palette, shape_kinds, valid
from .options import DEVICES, EFFORTS, FORMAT_NAMES, LOOK, OUTPUT, RUN, SHAPES, as_given, one_of

Inputs = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT",
        show_default=False,
        help="Image files, folders or glob patterns; - reads one image from standard input.",
    ),
]
ShapesOption = Annotated[
    int,
    typer.Option(
        "--shapes",
        "-n",
        min=1,
        metavar="N",
        help="Number of shapes (the most, with --target-psnr).",
        rich_help_panel=SHAPES,
    ),
]


ShapeOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--shape",
        "-s",
        callback=shape_kinds,
        metavar="KIND",
        show_default="triangle",
        help=f"Shape kind: {', '.join(KINDS)}; a comma list such as triangle,circle, or the option "
        "repeated, mixes kinds, and 'all' allows every kind.",
        rich_help_panel=SHAPES,
    ),
]
AlphaOption = Annotated[
    Optional[float],
    typer.Option(
        callback=opacity,
        metavar="A",
        show_default="learned per shape",
        help="Fixed opacity of every shape, in (0, 1].",
        rich_help_panel=SHAPES,
    ),
]
TargetPsnrOption = Annotated[
    Optional[float],
    typer.Option(
        metavar="DB",
        show_default=False,
        rich_help_panel=SHAPES,
        help="Stop adding shapes once the PSNR at the working size reaches DB.",
    ),
]
InitOption = Annotated[
    Optional[Path],
    typer.Option(
        parser=as_given,
        metavar="SCENE.json",
        show_default=False,
        rich_help_panel=SHAPES,
        help="Start from the shapes of a scene written with -o x.json, and add to them; its background is kept, "
        "and its shapes are refined with the new ones. - reads standard input.",
    ),
]
OutputOption = Annotated[
    Optional[list[Path]],
    typer.Option(
        "--output",
        "-o",
        parser=as_given,
        metavar="PATH",
        show_default=False,
        rich_help_panel=OUTPUT,
        help="Output file, repeatable, for a single input; the extension picks the format "
        "(.png .jpg .svg .uri .json .gif). - writes to standard output in the --format given.",
    ),
]
OutDirOption = Annotated[
    Path | None,
    typer.Option(
        parser=as_given,
        metavar="DIR",
        rich_help_panel=OUTPUT,
        show_default=".",
        help="Folder for outputs when no --output is given; a folder input's subfolders are kept.",
    ),
]
NameOption = Annotated[
    Optional[str],
    typer.Option(
        metavar="TEMPLATE",
        show_default=DEFAULT_NAME,
        callback=valid(check_template),
        rich_help_panel=OUTPUT,
        help="Output file names, from {stem}, {shape}, {shapes} and {ext}.",
    ),
]
FormatsOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--format",
        metavar="FMT",
        callback=one_of(FORMAT_NAMES, jpeg="jpg"),
        show_default="png and svg",
        rich_help_panel=OUTPUT,
        help="Output format when no --output is given (repeatable, or a comma list): png, jpg, svg, uri, json or gif.",
    ),
]
SkipExistingOption = Annotated[
    bool, typer.Option("--skip-existing", help="Skip inputs whose outputs all exist.", rich_help_panel=OUTPUT)
]
OutputSizeOption = Annotated[
    Optional[int],
    typer.Option(
        min=1,
        metavar="PX",
        show_default="the input's; GIFs and frames: the working size",
        rich_help_panel=OUTPUT,
        help="Longer side, in pixels, of the written PNG, JPEG, GIF and frames, and of the SVG's page.",
    ),
]
FramesOption = Annotated[
    Optional[Path],
    typer.Option(
        parser=as_given,
        metavar="DIR",
        show_default=False,
        rich_help_panel=OUTPUT,
        help="Also write numbered PNG frames of the shapes being added, <stem>.0001.png..., to DIR.",
    ),
]
SizeOption = Annotated[
    int,
    typer.Option(
        min=8,
        max=MAX_SIZE,
        metavar="PX",
        help="Working resolution: the longer side, in pixels, that shapes are fitted at. Larger is slower and finer.",
        rich_help_panel=LOOK,
    ),
]
MaskOption = Annotated[
    Optional[Path],
    typer.Option(
        parser=as_given,
        metavar="PATH",
        show_default=False,
        help="Grayscale picture weighting where detail goes: white counts, black hardly does; - reads standard input.",
        rich_help_panel=LOOK,
    ),
]
PaletteOption = Annotated[
    Optional[str],
    typer.Option(
        metavar="N|COLOUR,...",
        show_default=False,
        callback=valid(palette),
        help="Restrict colours: N colours picked from the picture, or the ones listed (#rrggbb, #rgb or CSS names).",
        rich_help_panel=LOOK,
    ),
]
BackgroundOption = Annotated[
    str,
    typer.Option(
        callback=valid(lambda text: Settings.coerce("background", text)),
        metavar="auto|transparent|COLOUR",
        help="Background colour (#rrggbb, #rgb or a CSS name); auto uses the picture's mean colour. transparent "
        "fits the picture's alpha too: the PNG keeps an alpha channel, the SVG has no background, a JPEG or GIF "
        "is laid over white.",
        rich_help_panel=LOOK,
    ),
]
EdgeOption = Annotated[
    str,
    typer.Option(
        metavar="|".join(EDGES),
        callback=one_of(EDGES),
        help="Soft edge function used while optimizing.",
        rich_help_panel=LOOK,
    ),
]
EffortOption = Annotated[
    str,
    typer.Option(
        metavar="|".join(EFFORTS),
        callback=one_of(EFFORTS),
        rich_help_panel=LOOK,
        help="How long to search: at 500 shapes fast takes under half the time, best about 3.6 times for 0.6 dB more.",
    ),
]
RecursiveOption = Annotated[
    bool,
    typer.Option(
        "--recursive", "-r", help="Take images from the subfolders of folder inputs too.", rich_help_panel=RUN
    ),
]
JobsOption = Annotated[
    int,
    typer.Option(
        "--jobs", "-j", min=1, metavar="N", help="Convert N images at once, in separate processes.", rich_help_panel=RUN
    ),
]
DaskOption = Annotated[
    Optional[str],
    typer.Option(
        metavar="ADDRESS",
        show_default=False,
        rich_help_panel=RUN,
        help="Convert on the Dask cluster whose scheduler is at ADDRESS, tcp://HOST:PORT "
        "(pip install 'primify-shapes\\[dask]').",
    ),
]
JsonLinesOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object per image on standard output.", rich_help_panel=RUN)
]
SeedOption = Annotated[
    int,
    typer.Option(
        min=0,
        max=2**64 - 1,  # torch's seeds: every larger one overflows, and -1 is 2**64 - 1 again
        metavar="N",
        help="Random seed; the same seed, input, options, device and threads per conversion give the same result.",
        rich_help_panel=RUN,
    ),
]
DeviceOption = Annotated[
    str,
    typer.Option(
        metavar="|".join(DEVICES),
        callback=one_of(DEVICES),
        help="Where to optimize; auto picks CUDA when torch sees a GPU.",
        rich_help_panel=RUN,
    ),
]
