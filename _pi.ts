import Decimal from "decimal.js";
Decimal.set({ precision: 80 });
const half = Decimal.acos(-1).div(2);
const p1 = half.mul(2 ** 32).floor().div(2 ** 32);
const p2 = half.sub(p1).mul(new Decimal(2).pow(65)).floor().div(new Decimal(2).pow(65));
const p3 = half.sub(p1).sub(p2);
console.log(p1.toNumber(), p2.toNumber(), p3.toNumber());
console.log(new Decimal(p1.toNumber()).eq(p1), new Decimal(p2.toNumber()).eq(p2));
console.log(p1.toString(), p2.toString());
