"""The seed column's claims, identified and anchored by hand, so the demo has real claims in every status."""
from typing import Any

ARTICLE: dict[str, Any] = {
    # Headline: NOT the verified Bloomberg original. It is reconstructed from the
    # slug of the Japan Times reprint ("trump-least-natos-problems"); the Bloomberg
    # headline could not be established.
    "headline": "Trump Is the Least of NATO's Problems",
    "author": "Bobby Ghosh",
    "outlet": "Bloomberg View",
    # The column's Bloomberg URL could not be found. This is the Japan Times reprint of
    # the same column; its text matches the seed exactly, including the subscription
    # footer, so the seed was probably taken from it.
    "url": "https://www.japantimes.co.jp/opinion/2019/12/05/commentary/world-commentary/trump-least-natos-problems/",
    # Date taken from the Japan Times reprint's URL (2019/12/05); the time of day is a
    # placeholder. The Bloomberg original may have run a little earlier (on 4 Dec).
    "published_at": "2019-12-05T00:00:00Z",
    "language": "en",
}

CLAIMS: list[dict[str, Any]] = [
    {
        "quote": "It was meant to be a celebration of the 70th anniversary of NATO.",
        "claimant": "Bobby Ghosh",
        "status": "in_review",
        "rating": "true",
        "summary": (
            "DRAFT: NATO was founded by the North Atlantic Treaty, signed on 4 April 1949, "
            "so 2019 was its 70th anniversary. The London Leaders Meeting of 3-4 December "
            "2019 was held to mark it; Stoltenberg's own remarks on 3 December refer to "
            "celebrating the 70th anniversary with the other leaders. Awaiting editor "
            "sign-off."
        ),
        "evidence": [
            {
                "url": "https://en.wikipedia.org/wiki/North_Atlantic_Treaty",
                "title": "North Atlantic Treaty",
                "publisher": "Wikipedia",
                "note": (
                    "Treaty signed in Washington, D.C., on 4 April 1949, founding NATO; "
                    "summarises Article 5."
                ),
            },
            {
                "url": "https://www.nato.int/cps/en/natohq/opinions_171542.htm",
                "title": (
                    "Remarks by NATO Secretary General Jens Stoltenberg with US President "
                    "Donald Trump (3 Dec. 2019)"
                ),
                "publisher": "NATO",
                "note": (
                    "NATO's as-delivered transcript: Stoltenberg says he looks forward to "
                    "celebrating the alliance's 70th anniversary with the other leaders "
                    "'today and tomorrow', and tells Trump 'your leadership on defence "
                    "spending is having a real impact'."
                ),
            },
        ],
        "note": "Draft verdict written; awaiting second-editor sign-off.",
    },
    {
        "quote": "But the mood at a gathering of the alliance’s leaders this week in London was anything but celebratory.",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "The meeting's date and place (London, 3-4 Dec 2019) are checkable; the 'mood' "
            "needs contemporaneous reporting."
        ),
    },
    {
        "quote": "There was no disguising the fact that NATO is in deep — even existential — trouble.",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Opinion: a judgment about the alliance's condition, not a checkable fact.",
    },
    {
        "quote": "Nothing illustrated this unease more than the brief elation among NATO hands over U.S. President Donald Trump’s surprising defense of the alliance.",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Trump's defense of NATO in London is checkable; 'elation among NATO hands' "
            "needs sourcing."
        ),
    },
    {
        "quote": "Trump, previously a NATO skeptic",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Checkable against Trump's earlier statements on NATO (e.g. calling it "
            "'obsolete'); not yet researched."
        ),
    },
    {
        "quote": "Except Trump didn’t have a change of heart.",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "A claim about Trump's state of mind; cannot be verified.",
    },
    {
        "quote": "His defense of the alliance was little more than a rhetorical stick with which to beat French President Emmanuel Macron",
        "claimant": "Bobby Ghosh",
        "status": "in_review",
        "rating": None,
        "summary": (
            "DRAFT: On 3 December 2019, while praising NATO, Trump called Macron's 'brain "
            "dead' remark 'very insulting'. That he used his defense of NATO against "
            "Macron is supported; that the defense was 'little more than' that is the "
            "author's interpretation. Consider reclassifying the interpretive part as not "
            "checkable."
        ),
        "evidence": [],
        "note": (
            "Factual core found in the 3 Dec transcript; reviewer to decide whether the "
            "rest is opinion."
        ),
    },
    {
        "quote": "brain death",
        "claimant": "Emmanuel Macron",
        "status": "published",
        "rating": "true",
        "summary": (
            "True. In an interview with The Economist, conducted on 21 October and "
            "published on 7 November 2019, Macron said: 'What we are currently "
            "experiencing is the brain death of NATO.' The column quotes the English "
            "wording accurately, and the remark came about a month before the London "
            "meeting, consistent with 'previously'."
        ),
        "evidence": [
            {
                "url": "https://www.economist.com/europe/2019/11/07/emmanuel-macron-warns-europe-nato-is-becoming-brain-dead",
                "title": "Emmanuel Macron warns Europe: NATO is becoming brain-dead",
                "publisher": "The Economist",
                "note": (
                    "Published 7 November 2019; quotes Macron: 'What we are currently "
                    "experiencing is the brain death of NATO.'"
                ),
            },
        ],
        "note": "Quotation verified against the original Economist interview.",
    },
    {
        "quote": "who has done a masterful job of managing Trump, calming the president’s tantrums and stroking his ego",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Opinion: an assessment of Stoltenberg's skill, not a checkable fact.",
    },
    {
        "quote": "Witness Stoltenberg’s eagerness, at a joint news conference, to credit Trump for increased military spending by many members.",
        "claimant": "Bobby Ghosh",
        "status": "in_review",
        "rating": "mostly_true",
        "summary": (
            "DRAFT: Stoltenberg did credit Trump for allies' higher defence spending on 3 "
            "December 2019 (see the verified quote), citing $130 billion added by Canada "
            "and European allies since 2016. The setting was their bilateral meeting, "
            "opened with remarks and questions from reporters, rather than a formal joint "
            "news conference. Tentatively mostly true; check whether the setting detail "
            "matters."
        ),
        "evidence": [
            {
                "url": "https://www.nato.int/cps/en/natohq/opinions_171542.htm",
                "title": (
                    "Remarks by NATO Secretary General Jens Stoltenberg with US President "
                    "Donald Trump (3 Dec. 2019)"
                ),
                "publisher": "NATO",
                "note": (
                    "NATO's as-delivered transcript: Stoltenberg says he looks forward to "
                    "celebrating the alliance's 70th anniversary with the other leaders "
                    "'today and tomorrow', and tells Trump 'your leadership on defence "
                    "spending is having a real impact'."
                ),
            },
        ],
        "note": "Tentative rating; the description of the setting still needs checking.",
    },
    {
        "quote": "Your leadership on defense spending is having a real impact",
        "claimant": "Jens Stoltenberg",
        "status": "published",
        "rating": "true",
        "summary": (
            "True. NATO's transcript of Stoltenberg's remarks alongside Trump in London on "
            "3 December 2019 records him saying: 'And your leadership on defence spending "
            "is having a real impact.' The column's version differs only in American "
            "spelling and the dropped opening 'And'. In the same remarks he said Canada "
            "and European allies had added 130 billion dollars to their defence budgets "
            "since 2016."
        ),
        "evidence": [
            {
                "url": "https://www.nato.int/cps/en/natohq/opinions_171542.htm",
                "title": (
                    "Remarks by NATO Secretary General Jens Stoltenberg with US President "
                    "Donald Trump (3 Dec. 2019)"
                ),
                "publisher": "NATO",
                "note": (
                    "NATO's as-delivered transcript: Stoltenberg says he looks forward to "
                    "celebrating the alliance's 70th anniversary with the other leaders "
                    "'today and tomorrow', and tells Trump 'your leadership on defence "
                    "spending is having a real impact'."
                ),
            },
        ],
        "note": "Quotation verified against NATO's as-delivered transcript.",
    },
    {
        "quote": "He carped about Germany’s paltry defense spending",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Check Trump's London remarks on Germany and NATO's 2019 spending estimates "
            "for Germany; 'paltry' is a characterisation."
        ),
    },
    {
        "quote": "threatened trade penalties against members who don’t pony up",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Needs the 3-4 Dec transcripts of Trump's remarks on trade and defence spending.",
    },
    {
        "quote": "refused to commit to Article 5 of the North Atlantic Treaty",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Needs the 3-4 Dec transcripts of Trump's remarks on Article 5.",
    },
    {
        "quote": "the all-for-one clause that requires the group to defend any member under attack",
        "claimant": "Bobby Ghosh",
        "status": "published",
        "rating": "mostly_true",
        "summary": (
            "Mostly true. Article 5 of the North Atlantic Treaty (1949) says an armed "
            "attack against one or more allies in Europe or North America shall be "
            "considered an attack against them all, and that each ally will assist the one "
            "attacked. But each ally takes 'such action as it deems necessary, including "
            "the use of armed force', so the treaty does not oblige any member to respond "
            "militarily, and Article 6 limits the area it covers. 'All-for-one' is a fair "
            "shorthand; 'requires the group to defend' slightly overstates the obligation."
        ),
        "evidence": [
            {
                "url": "https://www.nato.int/cps/en/natolive/official_texts_17120.htm",
                "title": "The North Atlantic Treaty",
                "publisher": "NATO",
                "note": "Full text of the treaty, including Articles 5 and 6.",
            },
            {
                "url": "https://en.wikipedia.org/wiki/North_Atlantic_Treaty",
                "title": "North Atlantic Treaty",
                "publisher": "Wikipedia",
                "note": (
                    "Treaty signed in Washington, D.C., on 4 April 1949, founding NATO; "
                    "summarises Article 5."
                ),
            },
        ],
        "note": "Checked against the treaty text; simplified but broadly accurate.",
    },
    {
        "quote": "Trump is Trump: There’s every possibility that he’ll arrive at the next NATO summit brandishing a flamethrower instead of the pea shooter he wielded in London.",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Prediction about future behaviour; not checkable.",
    },
    {
        "quote": "the 1966 French withdrawal from the integrated military command",
        "claimant": "Bobby Ghosh",
        "status": "published",
        "rating": "true",
        "summary": (
            "True. In March 1966 President Charles de Gaulle announced that France would "
            "leave NATO's integrated military command. French forces were withdrawn from "
            "it that year, and allied forces and NATO's military headquarters had to leave "
            "France. France stayed a member of the alliance and its North Atlantic "
            "Council, and rejoined the integrated command in 2009 under President Nicolas "
            "Sarkozy."
        ),
        "evidence": [
            {
                "url": "https://en.wikipedia.org/wiki/History_of_NATO",
                "title": "History of NATO",
                "publisher": "Wikipedia",
                "note": (
                    "Covers France's 1966 withdrawal from the integrated military "
                    "structure and its 2009 return."
                ),
            },
        ],
        "note": "Well-documented historical fact.",
    },
    {
        "quote": "Turkey’s 1974 invasion of Cyprus",
        "claimant": "Bobby Ghosh",
        "status": "published",
        "rating": "true",
        "summary": (
            "True. Turkey invaded Cyprus on 20 July 1974, five days after a coup backed by "
            "the military junta then ruling Greece, and launched a second offensive in "
            "August 1974. Turkish forces have held the north of the island since then. "
            "Greece and Turkey were both NATO members, and in August 1974 Greece withdrew "
            "its forces from NATO's integrated military command in protest, returning in "
            "1980."
        ),
        "evidence": [
            {
                "url": "https://en.wikipedia.org/wiki/Turkish_invasion_of_Cyprus",
                "title": "Turkish invasion of Cyprus",
                "publisher": "Wikipedia",
                "note": "Dates of the July and August 1974 offensives and their background.",
            },
        ],
        "note": "Well-documented historical fact.",
    },
    {
        "quote": "showdown with Greece",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Checkable (Greek-Turkish crisis of 1974, Greece leaving NATO's military "
            "command); not yet researched."
        ),
    },
    {
        "quote": "But core members of the alliance no longer agree on this.",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Broad claim; needs the members' stated threat assessments, e.g. the London "
            "Declaration's language on Russia."
        ),
    },
    {
        "quote": "Turkey is buying arms from Moscow",
        "claimant": "Bobby Ghosh",
        "status": "published",
        "rating": "true",
        "summary": (
            "True. Turkey signed a deal in 2017 to buy Russia's S-400 long-range air and "
            "missile defence system, and the first components arrived at Murted air base "
            "near Ankara on 12 July 2019, despite U.S. objections. The United States then "
            "moved to remove Turkey from the F-35 fighter programme. Whether the system "
            "endangers NATO defences is assessed separately."
        ),
        "evidence": [
            {
                "url": "https://www.military.com/daily-news/2019/07/12/over-us-warnings-turkey-gets-russian-made-s-400-missile-system.html",
                "title": "Over US Warnings, Turkey Gets Russian-Made S-400 Missile System",
                "publisher": "Military.com",
                "note": (
                    "Reports the first S-400 delivery to Murted air base on 12 July 2019 "
                    "and the F-35 dispute."
                ),
            },
        ],
        "note": "Delivery of the S-400 is well documented.",
    },
    {
        "quote": "including missile systems that endanger NATO defenses",
        "claimant": "Bobby Ghosh",
        "status": "in_review",
        "rating": None,
        "summary": (
            "DRAFT: The S-400 is a missile system. U.S. officials say operating it "
            "alongside the F-35 could compromise the jet, and NATO officials have said it "
            "cannot be integrated into NATO air and missile defence. Turkey rejects the "
            "risk. This is a disputed assessment, not an established fact; rating "
            "undecided."
        ),
        "evidence": [],
        "note": "Sourcing in progress; the claim rests on contested official assessments.",
    },
    {
        "quote": "Turkish President Recep Tayyip Erdogan is more suspicious about America’s intentions than Russia’s",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "A claim about Erdogan's state of mind; cannot be verified.",
    },
    {
        "quote": "Trump has been cozying up to Russian President Vladimir Putin at every opportunity",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Partly characterisation; 'at every opportunity' needs a record of Trump-Putin "
            "interactions."
        ),
    },
    {
        "quote": "against the advice of his entire military and intelligence community",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Needs sourcing; 'entire' may overstate the case.",
    },
    {
        "quote": "Macron is ambivalent at best.",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Opinion: a characterisation of Macron's stance.",
    },
    {
        "quote": "Nor is there consensus over the other threats to the West: terrorism, cyberwarfare and China.",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Compare with the 4 Dec 2019 London Declaration, which addressed terrorism, "
            "cyber threats and China."
        ),
    },
    {
        "quote": "Turkey and France have accused each other of harboring terrorists.",
        "claimant": "Bobby Ghosh",
        "status": "in_review",
        "rating": "mostly_true",
        "summary": (
            "DRAFT: Before and during the London meeting, Turkish officials accused France "
            "of backing the Kurdish-led SDF/YPG, which Ankara calls terrorist, and Macron "
            "accused Turkey of working with fighters linked to ISIS. 'Harboring' loosely "
            "describes both accusations. Tentatively mostly true; each side's statements "
            "still need primary sources."
        ),
        "evidence": [],
        "note": "Tentative rating; primary sources for both accusations still needed.",
    },
    {
        "quote": "some NATO members see China more as a source of money than menace.",
        "claimant": "Bobby Ghosh",
        "status": "pending",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": (
            "Partly checkable (e.g. Italy signed up to China's Belt and Road Initiative in "
            "2019); 'see' is interpretive."
        ),
    },
    {
        "quote": "Taking on China may require a North Pacific Treaty Organization, in which European militaries would play only a small part.",
        "claimant": "Bobby Ghosh",
        "status": "not_checkable",
        "rating": None,
        "summary": "",
        "evidence": [],
        "note": "Speculation and policy prescription; not checkable.",
    },
]
