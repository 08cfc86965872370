"""The shopping assistant: shoppers' questions answered from the graph alone.

``ask`` (:mod:`assistant.answer`) links the question's words to graph entities
(:mod:`assistant.linking`), picks an intent (:mod:`assistant.intents`), runs the intent's named
Cypher queries with parameters, and answers from the facts they return, with their confidence and
provenance. Photos go through the vision plugin (:mod:`assistant.photo`); service questions read
the policies of :mod:`assistant.policies`.
"""
