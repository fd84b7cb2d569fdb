"""``stancedesk suggest``: attributions the finder proposes, with the rule behind each; and one
annotator's review of them (accept, reject, take a rejection back), as the desk's keys do."""

from __future__ import annotations

import argparse
from pathlib import Path

from stancedesk.cli.common import database, print_json, split_list
from stancedesk.domain.errors import UserError
from stancedesk.services import suggestions

REVIEW = ("accept", "unaccept", "reject", "unreject")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "suggest", help="propose sources, cues and claims found by rules (nothing is stored)",
        description="Find attributions (who is said to say what, through whom) in stored "
                    "documents with explainable rules, offline. Offsets are Python str indices "
                    "into the stored text. With --annotator NAME alone, list what NAME has "
                    "left to review (rejected suggestions and claims NAME already marked are "
                    "left out); --accept/--reject/--unreject KEY review one of them.")
    parser.add_argument("--documents", metavar="ID,...", help="only these documents")
    parser.add_argument("--lexicons", metavar="DIR", type=Path,
                        help="a folder of lexicon files that extend the built-in word lists "
                             "(speech_verbs.txt, attribution_phrases.txt, source_nouns.txt, "
                             "media_names.txt, anaphors.txt) instead of the project's own "
                             "(stancedesk lexicons import DIR), to try them out first")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--apply", action="store_true",
                        help="store the suggestions as --annotator's spans and links, marked as "
                             "suggested (spans they already have are left as they are)")
    parser.add_argument("--annotator", dest="apply_annotator", metavar="NAME",
                        help="whose spans --apply stores the suggestions as; whose review "
                             "--accept/--reject/--unreject is; alone: list NAME's suggestions "
                             "left to review")
    review = parser.add_mutually_exclusive_group()
    review.add_argument("--accept", metavar="KEY",
                        help="store one suggestion of --documents ID as --annotator's spans and "
                             "links (KEY is source_start:source_end:claim_start:claim_end, as "
                             "printed)")
    review.add_argument("--unaccept", metavar="KEY",
                        help="take an accepted suggestion back: delete the spans it stored, if "
                             "nobody edited them since")
    review.add_argument("--reject", metavar="KEY",
                        help="hide one suggestion of --documents ID from --annotator for good")
    review.add_argument("--unreject", metavar="KEY",
                        help="take a rejection back: the suggestion shows again")
    parser.set_defaults(func=_suggest)


def _suggest(args: argparse.Namespace) -> int:
    action = next((name for name in REVIEW if getattr(args, name)), None)
    if action is not None:
        return _review(args, action, getattr(args, action))
    if args.apply:
        if not args.apply_annotator:
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
    if args.apply_annotator:
        found = suggestions.left_to_review(database(args), args.apply_annotator,
                                           split_list(args.documents), args.lexicons)
    else:
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
        print(f"    key:   {suggestions.suggestion_key(s)}")
    print(f"{len(found)} suggestion(s)")
    return 0


def _review(args: argparse.Namespace, action: str, key: str) -> int:
    if args.apply:
        raise UserError(f"--apply and --{action} do not go together")
    if not args.apply_annotator:
        raise UserError(f"--{action} needs --annotator NAME (whose review it is)")
    documents = split_list(args.documents) or []
    if len(documents) != 1:
        raise UserError(f"--{action} needs the one document the suggestion is in "
                        "(--documents ID)")
    db, doc, who = database(args), documents[0], args.apply_annotator
    if action == "accept":
        done = suggestions.accept(db, doc, who, key, lexicon_dir=args.lexicons)
        summary = {"accepted": key, "spans_added": len(done.spans),
                   "links_added": len(done.links), "span_ids": [s.id for s in done.spans]}
        text = (f"accepted {key} for {who}: {len(done.spans)} span(s) and {len(done.links)} "
                "link(s) stored")
    elif action == "unaccept":
        taken = suggestions.unaccept(db, suggestions.accepted(db, doc, who, key,
                                                              lexicon_dir=args.lexicons))
        summary = {"unaccepted": key, "spans_removed": len(taken.spans)}
        text = f"took {key} back for {who}: {len(taken.spans)} span(s) deleted"
    elif action == "reject":
        changed = suggestions.reject(db, doc, who, key, lexicon_dir=args.lexicons)
        summary = {"rejected": key, "already": not changed}
        text = (f"rejected {key} for {who}" if changed
                else f"{who} had already rejected {key}")
    else:
        suggestions.unreject(db, doc, who, key)
        summary = {"unrejected": key}
        text = f"{key} shows again for {who}"
    if args.json:
        print_json(summary)
    else:
        print(text)
    return 0
