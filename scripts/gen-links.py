#!/usr/bin/env python3
"""Generate a large, realistic set of link files for benchmarks (never committed).

gen-links.py OUT_DIR LINKS FILES [--seed N]

A mix like a real CRM export: 70 % of links template-only, 30 % with an explicit URL,
records of 1-4 links, and about 1 % of records sharing a pair with a record in
another file (so merges cross files). Two apps with templates; explicit URLs on
other apps.
"""
import argparse
import os
import random

TEMPLATE_APPS = ["mailchimp.com", "zendesk.com"]
URL_APPS = ["github.com", "salesforce.com", "asana.com", "hubspot.com"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("links", type=int)
    p.add_argument("files", type=int)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "00-apps.toml"), "w") as f:
        f.write('[apps."mailchimp.com"]\nname = "MailChimp"\n'
                'url = "https://us1.admin.mailchimp.com/lists/members/view?id={id}"\n\n'
                '[apps."zendesk.com"]\nname = "Zendesk"\n'
                'url = "https://acme.zendesk.com/agent/users/{id}"\n')
    per_file = a.links // a.files
    serial = 0
    shared = []  # pairs of earlier files that later records reuse
    for n in range(a.files):
        lines = []
        count = 0
        while count < per_file:
            size = min(rng.randint(1, 4), per_file - count)
            links = []
            kind = ("person", "company", "project")[rng.randrange(3)]
            if kind == "person" and shared and rng.random() < 0.01:
                app, id_ = rng.choice(shared)
                links.append(f'{{ app = "{app}", id = "{id_}" }}')
            while len(links) < size:
                serial += 1
                if rng.random() < 0.7:
                    app = TEMPLATE_APPS[serial % 2]
                    links.append(f'{{ app = "{app}", id = "{serial}" }}')
                    if kind == "person" and rng.random() < 0.001:
                        shared.append((app, str(serial)))
                else:
                    app = URL_APPS[serial % 4]
                    links.append(f'{{ app = "{app}", id = "r{serial}", url = "https://{app}/records/r{serial}" }}')
            lines.append(f'[[{kind}]]\nname = "Record {serial}"\nlinks = [\n  ' + ",\n  ".join(links) + ",\n]\n")
            count += len(links)
        with open(os.path.join(a.out, f"links-{n:03}.toml"), "w") as f:
            f.write("\n".join(lines))


if __name__ == "__main__":
    main()
