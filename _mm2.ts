import { sharedArena } from "./backends/cpu/wasm/memory.ts";
import { matmulF64 } from "./backends/cpu/wasm/matmul.ts";
const arena = sharedArena();
for (const [m,k,n] of [[1,300,1],[13,300,17]]) {
const a = arena.alloc(m*k * 8), b = arena.alloc(k*n * 8), c = arena.alloc(m*n*8);
const av = arena.f64View(a, m*k), bv= arena.f64View(b, k*n);
for (let i=0;i<m*k;i++) av[i]= (i%7);
for (let i=0;i<k*n;i++) bv[i]= (i%5);
matmulF64(a, b, c, m, k, n);
const r = [];
for (let i=0;i<m;i++) for (let j=0;j<n;j++){let s=0; for(let p=0;p<k;p++) s+=av[i*k+p]*bv[p*n+j]; r.push(s);}
console.log(m,k,n, Array.from(arena.f64View(c, m*n)).map((x,i)=>x-r[i]).join(" "));
}
for (const [m,k,n] of [[1,300,1],[1,300,5],[7,300,1],[2,300,1],[1,258,1]]) {
const a = arena.alloc(m*k * 8), b = arena.alloc(k*n * 8), c = arena.alloc(m*n*8);
const av = arena.f64View(a, m*k), bv= arena.f64View(b, k*n);
for (let i=0;i<m*k;i++) av[i]= (i%7);
for (let i=0;i<k*n;i++) bv[i]= (i%5);
matmulF64(a, b, c, m, k, n);
const r = [];
for (let i=0;i<m;i++) for (let j=0;j<n;j++){let s=0; for(let p=0;p<k;p++) s+=av[i*k+p]*bv[p*n+j]; r.push(s);}
console.log(m,k,n, Array.from(arena.f64View(c, m*n)).map((x,i)=>x-r[i]).join(" "));
}
