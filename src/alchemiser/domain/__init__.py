"""Pure core: values, entities, rebalance math, the symphony tree and indicators. No I/O, no SDKs."""
