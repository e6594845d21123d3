"""Trading vocabulary shared by the planner, the execution manager and every broker adapter."""

from alchemiser.domain.trading.broker_answers import (
    OrderMismatchError,
    UnexpectedBrokerResponseError,
    check_order_answer,
    order_mismatches,
)
from alchemiser.domain.trading.errors import (
    AmbiguousSubmitError,
    DuplicateClientOrderIdError,
    IllegalOrderTransitionError,
    UnknownOrderError,
)
from alchemiser.domain.trading.fills import Fill, FillTracker, fill_between
from alchemiser.domain.trading.market import AssetInfo, MarketClock, Quote
from alchemiser.domain.trading.order import (
    FINAL_STATUSES,
    MAX_CLIENT_ORDER_ID_LENGTH,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from alchemiser.domain.trading.position import AccountSnapshot, Position
from alchemiser.domain.trading.values import (
    CENT,
    SHARE_STEP,
    Money,
    Price,
    Quantity,
    Symbol,
    Weight,
    to_decimal,
    to_weight,
)

__all__ = [
    "CENT",
    "FINAL_STATUSES",
    "MAX_CLIENT_ORDER_ID_LENGTH",
    "SHARE_STEP",
    "AccountSnapshot",
    "AmbiguousSubmitError",
    "AssetInfo",
    "DuplicateClientOrderIdError",
    "Fill",
    "FillTracker",
    "IllegalOrderTransitionError",
    "MarketClock",
    "Money",
    "Order",
    "OrderMismatchError",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "Position",
    "Price",
    "Quantity",
    "Quote",
    "Side",
    "Symbol",
    "TimeInForce",
    "UnexpectedBrokerResponseError",
    "UnknownOrderError",
    "Weight",
    "check_order_answer",
    "fill_between",
    "order_mismatches",
    "to_decimal",
    "to_weight",
]
