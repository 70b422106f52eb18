"""Benchmarks of the harness: ready time, token issuance, quote API rate and click-to-quote.

Every figure is measured side by side with a reference in the same run and reported as a ratio,
because the machines that run this (CI runners, trainers' laptops) are noisy. Run with
``make bench`` or ``python -m bench``; the table is printed and ``bench/results.json`` written.
"""
