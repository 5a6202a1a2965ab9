"""catalog add|list|set-reorder, receive, units."""

from __future__ import annotations

import argparse

from commands.context import Context, add_json_flag, table, whole
from inventory import catalog, receiving, stock
from inventory.text import counted


def register(sub: argparse._SubParsersAction) -> None:
    cat = sub.add_parser("catalog", help="the product catalogue")
    cat_sub = cat.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    add = cat_sub.add_parser("add", help="add a product (a GTIN printed on a box)")
    add.add_argument("--gtin", required=True)
    add.add_argument("--maker", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, help="pen_cartridge or roller")
    add.add_argument("--needles", type=whole, required=True, help="needle count")
    add.add_argument("--config", default="", help="needle configuration (round, nano, 3x12...)")
    add.add_argument("--length-mm", required=True, help="needle length in mm, 0.25 to 2.5")
    add.add_argument("--sterilization", required=True, help="EO, gamma, e-beam or steam")
    add.add_argument("--units-per-pack", type=whole, default=1)
    add.add_argument("--reorder-level", type=whole, default=0)
    add_json_flag(add)
    add.set_defaults(handler=_catalog_add)
    lst = cat_sub.add_parser("list", help="list the catalogue")
    add_json_flag(lst)
    lst.set_defaults(handler=_catalog_list)
    reorder = cat_sub.add_parser("set-reorder", help="set a product's reorder level")
    reorder.add_argument("gtin")
    reorder.add_argument("level", type=whole)
    add_json_flag(reorder)
    reorder.set_defaults(handler=_catalog_reorder)

    rec = sub.add_parser("receive", help="scan a delivery in (one receipt)")
    rec.add_argument(
        "--scan",
        action="append",
        required=True,
        metavar="TEXT",
        help="a box's GS1 barcode; repeat for several boxes",
    )
    rec.add_argument("--units", type=whole, help="units in the box, if not the catalogue's")
    rec.add_argument("--supplier", default="")
    rec.add_argument("--invoice", default="")
    rec.add_argument("--separator", help="the character your scanner sends as GS1 separator")
    add_json_flag(rec)
    rec.set_defaults(handler=_receive)

    units = sub.add_parser(
        "units",
        help="list units with lot, expiry and status",
        description="Units first-expiring first; the filters mean what the Inventory "
        "screen's filters mean.",
    )
    units.add_argument("--lot", help="exactly this lot number")
    units.add_argument("--lot-contains", metavar="TEXT", help="lot numbers containing TEXT")
    units.add_argument("--status", help="in_stock, used, quarantined, wasted or returned")
    units.add_argument("--gtin")
    units.add_argument(
        "--expiry",
        choices=["expired", "30", "60", "90"],
        help="expired, or expiring within 30, 60 or 90 days",
    )
    units.add_argument("--limit", type=whole)
    add_json_flag(units)
    units.set_defaults(handler=_units)


def _product_rows(products: list[catalog.ProductInfo]) -> str:
    return table(
        ["GTIN", "Maker", "Name", "Kind", "Needles", "Length mm", "Sterile", "Per pack"],
        [
            [
                p.gtin,
                p.maker,
                p.name,
                p.kind,
                f"{p.needle_count} {p.needle_config}".strip(),
                p.needle_length_mm,
                p.sterilization,
                p.units_per_pack,
            ]
            for p in products
        ],
    )


def _catalog_add(args: argparse.Namespace, ctx: Context) -> int:
    product = catalog.add_product(
        ctx.db,
        gtin=args.gtin,
        maker=args.maker,
        name=args.name,
        kind=args.kind,
        needle_count=args.needles,
        needle_config=args.config,
        needle_length_mm=args.length_mm,
        sterilization=args.sterilization,
        units_per_pack=args.units_per_pack,
        reorder_level=args.reorder_level,
        by=ctx.actor,
    )
    ctx.emit(product.as_dict(), f"Added {product.name} (GTIN {product.gtin}).")
    return 0


def _catalog_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        products = catalog.list_products(conn)
    ctx.emit([p.as_dict() for p in products], _product_rows(products))
    return 0


def _catalog_reorder(args: argparse.Namespace, ctx: Context) -> int:
    product = catalog.set_reorder_level(ctx.db, args.gtin, args.level, by=ctx.actor)
    level = counted(product.reorder_level, "unit")
    ctx.emit(product.as_dict(), f"{product.name}: reorder below {level}.")
    return 0


def _receive(args: argparse.Namespace, ctx: Context) -> int:
    result = receiving.receive(
        ctx.db,
        args.scan,
        by=ctx.actor,
        supplier=args.supplier,
        invoice=args.invoice,
        units=args.units,
        separator=args.separator,
    )
    lines = [f"Receipt {result.receipt_id}: {counted(result.units, 'unit')} received."]
    for line in result.lines:
        codes = line.unit_codes
        span = codes[0] if len(codes) == 1 else f"{codes[0]} .. {codes[-1]}"
        serial = f", serial {line.serial}" if line.serial else ""
        lines.append(
            f"  {line.count} x {line.product}, lot {line.lot}, expires "
            f"{line.expiry.isoformat()}{serial}: {span}"
        )
    ctx.emit(result.as_dict(), "\n".join(lines))
    return 0


def _units(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.db.read() as conn:
        rows = stock.list_units(
            conn,
            clock=ctx.db.clock,
            limit=args.limit,
            lot=args.lot,
            lot_contains=args.lot_contains,
            status=args.status,
            gtin=args.gtin,
            expiry=args.expiry,
        )
    ctx.emit(
        [r.as_dict() for r in rows],
        table(
            ["Unit", "Serial", "GTIN", "Product", "mm", "Lot", "Expiry", "Status"],
            [
                [
                    r.code,
                    r.serial,
                    r.gtin,
                    r.product,
                    r.needle_length_mm,
                    r.lot,
                    r.expiry.isoformat(),
                    r.status,
                ]
                for r in rows
            ],
        ),
    )
    return 0
