"""The fitting room: complete looks from the graph, drawn from the shop's own cut-outs.

It builds looks (top + bottom, or a dress, with shoes and a bag or accessory) around a product or
for a shopper from the graph's co-purchases, colour harmony in L*a*b*, style and gender rules and
the shopper's preferences; writes them back as ``(:Outfit)-[:INCLUDES]->(:Product)``; renders each
as a "complete the look" board of the products' masked cut-outs (the vision plugin's masks); and,
given a photo of a person, previews a look over their body regions (the vision plugin's body-pose
model). It meets the vision plugin only through its public API and the rest through the graph.

Modules: ``harmony`` (colour rules), ``data`` (the graph read), ``stats`` (purchase statistics at
a reference day), ``builder`` (scores, looks, reasons), ``writeback``, ``board``, ``tryon``,
``fitting_room`` (the entry point), ``evaluate`` (the time-split measurement).
"""
