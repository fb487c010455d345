// The peer of bench/bitrix_sync_bench (issue 4, "Benchmark"): the official Bitrix24 JS SDK
// streaming every lead of the emulated portal with its fastest documented way to fetch a whole
// list, actions.v2.fetchList (order by ID, ">ID" = last id, start=-1, one page per request),
// through an inbound webhook with the SDK's default (cloud) limits: burst 50, drain 2/s.
//
//   NODE_EXTRA_CA_CERTS=ca.pem node bench/peer/sync.mjs https://127.0.0.1:PORT/rest/1/SECRET [EXPECT]
//
// Prints "name value" lines like bench/bitrix_sync_bench; the requests and 503s are counted
// on the emulator's side by bench/run-sync.sh.
import { B24Hook } from '@bitrix24/b24jssdk'

const [url, expectText] = process.argv.slice(2)
if (!url) {
  console.error('usage: node sync.mjs WEBHOOK_URL [EXPECTED_LEADS]')
  process.exit(2)
}
const expect = expectText === undefined ? -1 : Number(expectText)

const b24 = B24Hook.fromWebhookUrl(url)
b24.offClientSideWarning()

let items = 0
let pages = 0
let lastId = 0
let outOfOrder = 0
const started = performance.now()
let error = null
try {
  const generator = b24.actions.v2.fetchList.make({ method: 'crm.lead.list', params: {}, idKey: 'ID' })
  for await (const chunk of generator) {
    ++pages
    for (const lead of chunk) {
      const id = Number.parseInt(lead.ID, 10)
      if (!(id > lastId)) ++outOfOrder
      lastId = id
      ++items
    }
  }
} catch (e) {
  error = e
}
const wall = (performance.now() - started) / 1000

console.log(`mode sync\nclient @bitrix24/b24jssdk actions.v2.fetchList\nitems ${items}\npages ${pages}`)
console.log(`last_id ${lastId}\nout_of_order ${outOfOrder}\nwall_s ${wall.toFixed(3)}`)
console.log(`peak_rss_kb ${process.resourceUsage().maxRSS}`)
if (error) {
  console.log(`error ${error?.message ?? error}`)
  process.exit(1)
}
if (outOfOrder !== 0 || (expect >= 0 && items !== expect)) {
  console.log(`error expected ${expect} leads in ascending order`)
  process.exit(1)
}
