"""Render a SynthFace dataset in one of its on-disk layouts.

Example::

    python tools/dataset_converters/make_synthface.py --layout synthface \
        --out data/synthface --subjects 12 --samples 120 --size 64

The subpackage ``mmfer/datasets/synthface`` is pure numpy/OpenCV; this
script loads it without importing ``mmfer`` itself (which imports torch and
mmengine), so it starts in well under a second.
"""
import argparse
import importlib.util
import sys
from pathlib import Path

LAYOUT_NAMES = ('synthface', 'bp4d', 'bp4d_plus', 'disfa', 'dfew', 'mafw')
# EMPD's labelled FER databases
LAYOUT_NAMES += ('rafdb', 'affectnet', 'ferplus', 'sfew', 'expw', 'jaffe')
# CM-CNN's 3-D scan and Kinect RGB-D databases
LAYOUT_NAMES += ('bu3dfe', 'bosphorus', 'vtkfer', 'cczufer')
# EMPD's pre-training data: parsing masks and unlabelled face folders
LAYOUT_NAMES += ('celebamask_hq', 'celeba', 'ffhq', 'casia_webface')


def load_synthface():
    """Import ``mmfer.datasets.synthface`` standalone (no torch import)."""
    pkg = Path(__file__).resolve().parents[2] / 'mmfer' / 'datasets' / \
        'synthface'
    if not (pkg / '__init__.py').exists():   # installed elsewhere
        import mmfer.datasets.synthface as sf
        return sf
    spec = importlib.util.spec_from_file_location(
        'mmfer_synthface', pkg / '__init__.py',
        submodule_search_locations=[str(pkg)])
    module = importlib.util.module_from_spec(spec)
    sys.modules['mmfer_synthface'] = module
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--layout', required=True, choices=LAYOUT_NAMES)
    p.add_argument('--out', required=True, help='dataset directory')
    p.add_argument('--subjects', type=int)
    p.add_argument('--samples', type=int,
                   help='samples (synthface) or clips (dfew, mafw) per '
                   'subject')
    p.add_argument('--seed', type=int)
    p.add_argument('--size', type=int, help='image side in pixels (>= 32)')
    p.add_argument('--frames', type=int,
                   help='frames per task (bp4d*), video (disfa) or clip')
    p.add_argument('--tasks', type=int, help='tasks per subject (bp4d*)')
    p.add_argument('--domains', help='comma-separated domain presets '
                   '(synthface layout), e.g. lab,wild')
    p.add_argument('--domain-assign', choices=('subject', 'sample'))
    p.add_argument('--domain', help='domain preset (video layouts)')
    p.add_argument('--val-ratio', type=float)
    p.add_argument('--meshes', action='store_true', default=None,
                   help='bp4d: write one .obj per frame')
    p.add_argument('--zip', action='store_true', default=None,
                   help='bp4d_plus: 2D+3D/<Subj>.zip instead of folders')
    p.add_argument('--right-camera', action='store_true', default=None)
    p.add_argument('--extract-frames', action='store_true', default=None)
    p.add_argument('--videos', action='store_true', default=None,
                   help='mafw: also write data/clips/<id>.mp4')
    p.add_argument('--missing-audio', type=float)
    p.add_argument('--workers', type=int, default=0)
    p.add_argument('--force', action='store_true')
    p.add_argument('--quiet', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sf = load_synthface()
    kw = dict(subjects=args.subjects, samples=args.samples, seed=args.seed,
              size=args.size, frames=args.frames, tasks=args.tasks,
              domain_assign=args.domain_assign, domain=args.domain,
              val_ratio=args.val_ratio, meshes=args.meshes, zip=args.zip,
              right_camera=args.right_camera,
              extract_frames=args.extract_frames, videos=args.videos,
              missing_audio=args.missing_audio,
              domains=args.domains.split(',') if args.domains else None)
    accepted = sf.LAYOUTS[args.layout].defaults
    given = {k: v for k, v in kw.items() if v is not None}
    bad = sorted(set(given) - set(accepted))
    if bad:
        sys.exit(f'error: --layout {args.layout} does not take '
                 f'{", ".join("--" + b.replace("_", "-") for b in bad)}')
    try:
        out = sf.generate_layout(args.layout, args.out, force=args.force,
                                 workers=args.workers, verbose=not args.quiet,
                                 **given)
    except (ValueError, FileExistsError) as e:
        sys.exit(f'error: {e}')
    print(out)


if __name__ == '__main__':
    main()
