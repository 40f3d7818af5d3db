import { sharedArena } from "./backends/cpu/wasm/memory.ts";
import { matmulF64 } from "./backends/cpu/wasm/matmul.ts";
const arena = sharedArena();
function run(m:number,k:number,n:number, fa:(i:number)=>number, fb:(i:number)=>number){
const a = arena.alloc(m*k * 8), b = arena.alloc(k*n * 8), c = arena.alloc(m*n*8);
const av = arena.f64View(a, m*k), bv= arena.f64View(b, k*n);
for (let i=0;i<m*k;i++) av[i]= fa(i);
for (let i=0;i<k*n;i++) bv[i]= fb(i);
matmulF64(a, b, c, m, k, n);
const out=[];
for (let i=0;i<m;i++) for (let j=0;j<n;j++){let s=0; for(let p=0;p<k;p++) s+=av[i*k+p]*bv[p*n+j]; const d = arena.f64View(c,m*n)[i*n+j]-s; if (d) out.push(`${i},${j}:${d}`);}
console.log(m,k,n, out.join(" "));
}
run(8,300,5,()=>1,()=>1);
run(8,300,5,()=>0,()=>0);
run(8,300,5,()=>0,(i)=>i);
run(8,300,5,(i)=>i,()=>0);
