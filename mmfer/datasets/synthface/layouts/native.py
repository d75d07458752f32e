"""The native SynthFace layout (mmengine BaseDataset annotations).

::

    DIR/rgb/<subject>/<index:06d>.png       RGB (saved BGR by cv2)
    DIR/depth/<subject>/<index:06d>.png     uint16, 0.1 mm, 65535 = background
    DIR/thermal/<subject>/<index:06d>.png   uint16, centi-°C
    DIR/parsing/<subject>/<index:06d>.png   uint8 PARSING_CLASSES ids
    DIR/annotations/{train,val,all}.json    {"metainfo", "data_list"}
    DIR/meta.json
"""
import math

from mmfer.structures.codecs import encode_depth, encode_thermal

from ..constants import AU_NAMES, EXPRESSIONS, PARSING_CLASSES
from ..domains import resolve_domain
from ..expressions import sample_expression
from ..seeding import STREAM_SAMPLE, make_rng
from .base import LayoutWriter, occurrence
from .io import write_json, write_png, write_rgb


def domain_names(domains):
    """Display name of each domain entry (preset name or ``custom<k>``)."""
    return [d if isinstance(d, str) else f'custom{k}'
            for k, d in enumerate(domains)]


class NativeLayout(LayoutWriter):
    """``--layout synthface``.

    Args (via ``generate_layout``): ``subjects``, ``samples`` (per subject),
    ``size``, ``seed``, ``domains`` (list of preset names / dicts),
    ``domain_assign`` ('subject': subject i uses ``domains[i % D]``;
    'sample': each sample draws one uniformly), ``val_ratio`` (fraction of
    subjects, taken from the end, in the subject-exclusive val split).
    """
    name = 'synthface'
    defaults = dict(subjects=12, samples=120, size=112, seed=0,
                    domains=['lab'], domain_assign='subject', val_ratio=0.25)

    def __init__(self, args):
        super().__init__(args)
        if args['domain_assign'] not in ('subject', 'sample'):
            raise ValueError("domain_assign must be 'subject' or 'sample', "
                             f"got {args['domain_assign']!r}")
        if not args['domains']:
            raise ValueError('domains must not be empty')
        for d in args['domains']:
            resolve_domain(d)
        if not 0.0 <= args['val_ratio'] < 1.0:
            raise ValueError(f"val_ratio must be in [0, 1), got "
                             f"{args['val_ratio']}")

    def write_subject(self, root, index, sid):
        a = self.args
        domains, names = a['domains'], domain_names(a['domains'])
        records = []
        for j in range(a['samples']):
            rng = make_rng(a['seed'], STREAM_SAMPLE, index, j)
            label = int(rng.integers(len(EXPRESSIONS)))
            au, arousal = sample_expression(EXPRESSIONS[label], rng)
            d = (index % len(domains) if a['domain_assign'] == 'subject' else
                 int(rng.integers(len(domains))))
            out = self.renderer.render(self.subject(index, sid), au, domains[d],
                                       rng, arousal=arousal)
            rel = f'{sid}/{j:06d}.png'
            write_rgb(root / 'rgb' / rel, out['rgb'])
            write_png(root / 'depth' / rel, encode_depth(out['depth']))
            write_png(root / 'thermal' / rel, encode_thermal(out['thermal']))
            write_png(root / 'parsing' / rel, out['parsing'])
            records.append(dict(
                img_path=f'rgb/{rel}', depth_path=f'depth/{rel}',
                thermal_path=f'thermal/{rel}', parsing_path=f'parsing/{rel}',
                au_occ=occurrence(au).tolist(),
                au_int=[round(float(v), 3) for v in au],
                au_int_level=[int(round(float(v))) for v in au],
                gt_label=label, expression=EXPRESSIONS[label],
                arousal=round(arousal, 3), subject=sid, domain=d,
                domain_name=names[d]))
        return records

    def finalize(self, root, results):
        a = self.args
        n = len(results)
        n_val = (min(max(1, math.ceil(a['val_ratio'] * n)), n - 1)
                 if a['val_ratio'] > 0 and n >= 2 else 0)
        metainfo = dict(classes=list(EXPRESSIONS), au_names=list(AU_NAMES),
                        parsing_classes=list(PARSING_CLASSES),
                        domains=domain_names(a['domains']))
        train = [r for recs in results[:n - n_val] for r in recs]
        val = [r for recs in results[n - n_val:] for r in recs]
        for split, data in (('train', train), ('val', val),
                            ('all', train + val)):
            write_json(root / 'annotations' / f'{split}.json',
                       dict(metainfo=metainfo, data_list=data))
        return dict(val_subjects=[recs[0]['subject'] for recs in
                                  results[n - n_val:] if recs])
