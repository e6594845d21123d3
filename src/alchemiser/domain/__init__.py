"""Pure core: values, entities, rebalance math, the symphony tree and indicators.

No I/O and no SDKs: everything here can be tested with plain numbers.
"""
