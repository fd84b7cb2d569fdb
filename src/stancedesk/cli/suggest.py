"""``stancedesk suggest``: attributions the finder proposes, with the rule behind each."""

from __future__ import annotations

import argparse
from pathlib import Path

from stancedesk.cli.common import database, print_json, split_list
from stancedesk.domain.errors import UserError
from stancedesk.services import suggestions


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "suggest", help="propose sources, cues and claims found by rules (nothing is stored)",
        description="Find attributions (who is said to say what, through whom) in stored "
                    "documents with explainable rules, offline. Offsets are Python str indices "
                    "into the stored text.")
    parser.add_argument("--documents", metavar="ID,...", help="only these documents")
    parser.add_argument("--lexicons", metavar="DIR", type=Path,
                        help="a folder of lexicon files that extend the built-in word lists "
                             "(speech_verbs.txt, attribution_phrases.txt, source_nouns.txt, "
                             "media_names.txt, anaphors.txt)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--apply", action="store_true",
                        help="store the suggestions as --annotator's spans and links, marked as "
                             "suggested (spans they already have are left as they are)")
    parser.add_argument("--annotator", dest="apply_annotator", metavar="NAME",
                        help="whose spans --apply stores the suggestions as")
    parser.set_defaults(func=_suggest)


def _suggest(args: argparse.Namespace) -> int:
    if args.apply or args.apply_annotator:
        if not (args.apply and args.apply_annotator):
            raise UserError("--apply and --annotator NAME go together")
        report = suggestions.apply(database(args), args.apply_annotator,
                                   split_list(args.documents), args.lexicons)
        summary = {"spans_added": report.spans_added, "links_added": report.links_added,
                   "skipped": report.skipped}
        if args.json:
            print_json(summary)
        else:
            print(f"stored {report.spans_added} span(s) and {report.links_added} link(s) for "
                  f"{args.apply_annotator}; {report.skipped} suggestion(s) skipped because "
                  "the annotator had already marked that claim")
        return 0
    found = suggestions.suggest(database(args), split_list(args.documents), args.lexicons)
    if args.json:
        print_json([s.as_json(doc_id) for doc_id, s in found])
        return 0
    for doc_id, s in found:
        via = f" (via {s.via.text})" if s.via else ""
        cue = f" [{s.cue.text}]" if s.cue else ""
        print(f"{doc_id}  {s.claim.start}-{s.claim.end}  {s.source.text}{via} "
              f"<{s.sourcing}>{cue}")
        print(f"    claim: {s.claim.text}")
        print(f"    rule:  {s.rule}")
    print(f"{len(found)} suggestion(s)")
    return 0
