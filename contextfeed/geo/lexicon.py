"""Word lists the news geoparser uses to tell places from people, teams and ordinary words.

Curated by hand except COMMON_WORD_NAMES, which is every place name in the
gazetteer (GeoNames, population >= 500) that is also a lower-case English
word in a standard dictionary (Debian's wamerican), less the names of
places with a million people or more (Shanghai, Phoenix): such a name is
read as a place only with supporting evidence.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

COMMON_WORD_NAMES = frozenset(
    """
abbey abridge abut acacias accord acme acre admiralty adobes advance afar agar agency airport akin alabaster
albino ales alga alliance aloha along alpha alpine altar alto altos amble amity ampere anaconda anchorage
anchovy anew anger angered angers angles angora annex ant antelope anthem antlers apace ape apex apples apt
arbutus arcade arch archer arches archway are arena arenas ares argyle aria arias armada aroma aromas arrest
arroyo arroyos arsenal as ascension ascot ash ask aspen assent assumption astrakhan atlas auburn auditorium
august aura auras awash awe axis ay aye baa bacon bad bade badger bag bagatelle bah bail bailing bake baker
bale baling balk balky ball ballast ballots balm balsa balsas bamboo banana band bane banes bang bangs bani
bank banks banning bantam bar barber barbing bard bare barge baring bark barker barking barley baron basalt
basin basing bassi basso bast bat bate bath battle battlefield baud bay baying beach beacon bean bear beaux
beaver bed bee beer beers beets beg began begun bell belle bells belt bend bender bent berg berry best beta
betting bevel bias bicker biking bile billings billy bimbo binges bingo bishop bison biting bittern
blacksmiths blades bland blarney bled blender blessing bliss blond bloomer blossom bluff bluffs bode bodega
bola bole boll bologna bolt bonanza bonbon bone bong bonito bonny bony boo boom boos boot booth bore born
borne boron bot botany bouillon boulder boundary bountiful bourbon bow bowling bowman box bra brad brains bran
branch brand bras brassy bravo bray breakers breakwater brewer briar brick bride bridge brier brig brigantine
bright brilliant broke brook brooks browning bruin brush brusque buckeye bud buffalo bugle bullet bullion
bulls bully bum bungalow burden burg burns burs burst bury busby bush busing busy butler butte butterfly
buttes buy cab cabana cabanas cabaret cacao cache cactus cairns cal calabash calcium calliope callow callus
calypso camber came can canals canaries candor cane canning canoe canon canton canyon caper car caraway
carbonate cardigan carefree cargo caribou carnation carp carpenter carpi cars carver cascade cascades cash
cashmere casino casinos cassia cassino cast castor cat cathedral cavalier cave caves cayenne cedar celebration
centenary centennial center central cents centurion century cerise chad chamber chamberlain chamois champagne
champion chancy chandler change chaparral charge chars chase cheddar chevron chichis chile chili chilly chin
china chinchilla chino chipping chop chore church cicadas circa circle cis citadel citrus clans claret clarion
clay clemency clever climax clit clones clover cloverleaf coaling coast coats cockatoo cocoa cognac coin cola
college collie colliers cologne colon columbine comas combine come comer comet comfort commerce commonwealth
communal concession concise concord concrete condom condor confederation confines confluence congas congress
conservation contest continental convent converse conversion convoy coo cook cool cooling cooper cordon cork
corn cornea cornier corning corona coronation corpus corral cot cotes cottage cotter cottonwood couches
council countryside court cove coven coves coward cox coyote crane crater cray creek creel crescent crest
crick cricket crone crook crooks crucible cruet crystal cube cults cumming curry cut cuts cygnet cypress dad
dado dale dame damp dare dares darling date dauphin davenport daze deadwood deal deb debar defiance deforest
delta delve demo dent deport deposit derby diamond dibble die dig dike dill diorama dire diss divan do doc
docking dodge doffing dole dollar dome dominion don dongle doom dooms dour downer downs downtown drain drama
dresser drew driver dromedary drum dry ducats dud dug dun dunes dung dunning duns duping dyer ea eagle ear
early earth east eastern ebbs echelon echo eclectic economy ecru ed effort egg eke elixir ell elm emblem
emerald eminence emo empire emporia emporium encamp energy engineer enigma enter enterprise equality era erode
err espy essay est ester eureka evergreen excel exhibition experiment export eye fairway faith falcon falconer
fang fare farina farmland fate federal felicity felines fell felling ferns fertile fey fiche fiddlesticks fife
finale fines finis firth fiscal fisher fishers fishhook flagstaff flee fleet flint flocking flora florin
flushing force ford fords foreman fores forest forges forks forth fortune fossil foster fountain four fours
freedom freehold freeman freer fresco freshwater friend friendly friendship front frost fry fully fuming fussy
gala galena gallant gals gaming gamut gander gang gap gardenia garland garner garnet garnish garrison gas
gassing gates gateway gay gees gent gentry gibbon gibbons gill give glad gland glen glide globe go god goes
going golden goldenrod golf gondola gonna goodwill gore gorges goring gosh got grab grabs grace graces grad
graft grain gram grand grandson grange granges granite grant grants grapevine gratis grave gray grays green
greenback grenade griffin grill grimes grins groom grottoes grove groves grub grues guano guise gulf gunning
guy gypsum ha hacienda hackney hake hale hales halfway hallow halls ham hamlet hank happy harbor hard hardy
harmony harrow hart harts harvest hassocks haste hat hatch hatting haven hawker hawthorn hay hays hazard
headland headlands headstone healing heath heather hector heel heist hell helper hem hemlock herald heritage
hermitage heron hexing hey hickory hideaway hideout highland highlands highways hill hillier hills hillside
hilltop hims hinge hinges hire hit ho hobo hocking holder holiday holler holly homburg home homeland homer
homestead homesteader hometown hominy honcho hone honey hook hooker hooks hope horde horn hose hospital hot
hour hove hub hull humble hunt hunter hunting hurricane hurt hut ifs ii imperial independence industry ins
intercourse iota irate is isle ivy jack jackpot jade jam jar jars jasper jay jelling jingling job joiner
jubilee junco juncos junction junior juntas jury justice kale kapok karma keener keys keystone kill killdeer
kiln kilo kin kinder kindred king kingfisher kissing klutz knock lab laces lad lakes lam lama lamas lame
lancing lander landfall landing landmark lapel laps largo larkspur larva lases lash latte lattes laurel
lavender law lawn lay lazy lea lead leader lee leech leek leer leers lees legacy lei lend lens lent level
lever lib liberal liberation liberty lice licking liege limbo limerick limestone liming limit linden line
linger lint lira lire lisle list lit liter littoral lively lives lizard llama llano lo loans locking locust
lode log logon long lookout loon loop loose lop lorn lorry loss lot loving loyal luau luck lucky lucre lug
lunge lure luring luster lye lynch mace mackinaw mad madam made madras madrasa madrigal magazine magenta
magnet magnolia mahogany maiden maidenhead maidens mailing maize male mallet mallow mama mammoth man manage
mane manga mange manger mango manly manna manning manor mansion mantel mantilla many maraca maracas marathon
marble march marches mares margarita margaritas maria marimba marina marine marines maritime mark marks marlin
marquise mars mart marten martin martinet martinis martins mas mascara mascot mason massacre massing matador
may mayflower mayo maze me mead meadow meadows mecca media medias medley medulla meeker melon meme men mentor
mercury mere meridian merino merinos mermaid mesa mescal mesquite messy met meta metes metro metropolis mica
midland midlands midstream midtown midway mile miles mill miller millet mills mine miner mining minis minor
minster mire missal mission mo mobile mocha mogul moires mold mole mono monster monument moody moos mop mope
moping moraine mores morocco moron morrow mos moss mosses most moth motley mound mounds mountainside mu much
mud muddy muff mulberry mullion muscat muse mussel mustang muting mutters myrtle mystic nag narrows nasal
natal naval nave naves nay neath needles net never newborn newel newton nice nine noble nods noel none noonday
normal north northern northward northwest oar oasis oblong occidental ocher odder ode of officer ogre okay
oleo omega on one onset op opal opera opportunity or oracle oral orange oratorio oratorios orchard orchards
ore ores orient oriental osprey otter oust outer outing outlook over overland oxbow oxford pa pace pacific
pacing pack pact page pail pains paint paisley pal palazzo pale palisade palling palmetto pals pampas panacea
panda pane pang panhandle panic panorama pant pap papa papaya paper par parachute paradise paragon paramount
parches parchment pare parent pares parks parkway parole parse parsons partizan pasha pasta paste pat patrol
pavilion pawing pay pea pearl peck pecs peculiar peel peer pelican pelves pen penal pencil penguin peninsula
per perches perk perm perseverance petal peters petting peyote piano piazza piazze pica picayune pierce pigeon
piles pill pin pinch pine pines pining pink pinnacle pinto pioneer pipes piranhas pita piton placer plain
plains plan planes plantation plaque plate plateau plateaux platen plenty plover plum plunge pocking point pol
police poll polling polo pols ponder pool pop pope poplar porches porcupine pore port portage portal porter
poses posing posse post postal potting pouch pound pout powers pram pray presto prey price principal privateer
proctor progress promontory prospect prosper prosperity prosperous proven providence provost pry puck pueblo
puke puma punch purchase pure quart quarter quarto quiche quiches race radon raga raglan raiding rail rain
rainbow rainier raja rake ran ranger rapids rate ravel ravels raven ravine ray rayon razes re reading real
ream receiving rector red redemption redhead redwood reek reform rehab rein reis reliance reps republic
research reserve reservoir retreat revel revere rho rib rice rich rid riddle ridge rifle rind ring ringlet
ripe rivers riverside robe robins rock rod rode rodeo roe roebuck roes rogers romaine roman root rose rosebud
roses rosewood rot rote rots rotunda rouge roulette roundup rude rue rugby rule rum run rung ruse rush rusk
rust rustic rye sabres sachet sack sad sag saga sagas sago saints sake saki sale sales saline salmon salon
salt salve samba sambas same sampans sand sandbank sanders sandstone sandwich sandy sane sap sapphire sari
sassafras sassier sauce saucier savage savanna savannah save sawmill sawmills sax say scenic scissors scone
scurry seaboard seaman searchlight seaside sec secretary section sector sedan see seem sees sells semaphore
semi send sent sentinel sere serpentine servant servo settle severance shading shaft shamrock shaping share
sharpness sheering shell shepherd sherry shields shin shiner shipyard shit shoals shone shoreline shush sic
side siding sigma silly silo silos silt silvan sim simian simmering sin singleton sins sir sire siren sis
sisal sissy sisters sitters situ ski skyline slaughter sledge slough smile smiley smith smock snow snowflake
snug soars sober sol solo son song sore sorrel sort sos sot sours south southern soy spa sparks spas spay
speedway split spring springs spry spur spy stagecoach stains stall stamps staple staples star stark start
startup stave steadfast steep stein sterling sterna stiles still stilling stock stoke stone stonewall store
story stow strand strawberry street strong strum sturgeon sublimity success sue sully sulphur sultan sultana
summerhouse summit sundown sunflower sunrise sunset sunshine superior supreme surprise surrey sway swisher
swords sycamore sylvan tab tabu tactic tad tailing talent tales talisman tallow talon tamale tame tamest
tangent tangerine tango tank tanner tapes taping tapping tar tare taro tarp tars tartar tasty tat taut tea
temperance temple tequila termini terrace terry than thatcher them thermal thorn thrall thunderbolt tiara
tiling till timberland time tire tires tiring tiro tiros tit titan to toast toga toll tomahawk tombstone tome
tong tool tooting tore tornado torrent tost totes tours tower trail train trainer tranquillity tresses trial
triangle tribune trim trinity trip tron trooper tropic troy trundle tuba tubas tube tucker tulle tumble tunas
tundra tune tunes turner tutu tux tweed twist tyro union unity university upland uplands uptown us used usher
utopia vale valence valentine valley valor van var vars varsity vary vase verdigris verges vermilion
vermillion vernal vesper veteran vex vi viburnum vicar vice victor victory villa villas vineyard vineyards
viol viola violet virgin vise vista vogue volcano vols wade wadi wagoner wail wake waldo wales waling walker
wall walls walnut wampum wangle wanna war ward warden warder ware warns warren warrior washer watchtower
waterproof waterways waxing ways we weaver wedding weed weer wees weir welch welcome well welling wellington
wells welsh welt were west westerly western wetter wheeler wheeling wheelwright whetstone whistler white
whitefish whiting wick wilder wilderness willow willows windfall wines wing wink winner winters wise withers
woken woodbine woodland woodlands wool worms worth wrangle wrens wright wrist yam yap ye yea yens yoga yore
young zebra zephyr zeta zing zone zoo
""".split()
)

# Words before a name that make it part of a person's or a storm's name ("Queen Victoria", "Hurricane Sandy").
TITLES = frozenset(
    """
mr mrs ms miss dr sir dame lady lord prince princess king queen president senator sen rep gov governor
mayor judge justice coach pope saint st general gen col capt sgt officer agent minister chancellor
hurricane typhoon cyclone storm
""".split()
)
FIRST_NAMES = frozenset(
    """
aaron adam alan albert alex alexander alice amanda amy andrew angela anna anne anthony barack ben benjamin
beth betty bill billy bob brad brian bruce carl carlos carol charles chris christopher claire daniel david
deborah dennis diana donald donna doris dorothy douglas ed edward elizabeth emily emma eric frank fred
gary george grace greg harry helen henry jack james jane janet jason jeff jennifer jessica jim jimmy joe
john jonathan joseph josh julia julie justin karen kate katie keith kelly ken kevin kim kyle larry laura
lisa louis lucy margaret maria mark martha martin mary matt matthew michael michelle mike nancy nicholas
nicole oliver patrick paul peter rachel ray rebecca richard robert roger ron ruth ryan sam samuel sandra
sarah scott sean sharon stephen steve steven susan thomas tim timothy tom tony victor walter william
""".split()
)
# Words that keep a preceding name a place: places' institutions, parts, people and what happens there.
PLACE_FOLLOWERS = frozenset(
    """
airport airports area areas authorities bombing bombings borough businesses city council county
courthouse crash crews department district districts downtown earthquake emergency explosion
explosions family fire firefighters fires flood floods flooding government governor harbor harbour
health hospital hospitals hurricane lockdown man manhunt marathon mayor metro metropolitan
neighborhood neighbourhood neighborhoods neighbourhoods officials outage parliament pd police
protest protests province quake region residents riot riots schools shooting shootings state storm
suburb suburbs subway teen tornado transit victims violence voters water wildfire woman women workers
attack attacks blast blasts siege standoff unrest clashes evacuation evacuations curfew blackout
blizzard heatwave national international regional public high
""".split()
)
# Capitalised words that may stand right before a place name without making it part of a longer name.
PLACE_PRECEDERS = frozenset(
    """
downtown greater north south east west central northern southern eastern western upstate
suburban metro coastal rural inner outer old new the a an and but or of for as with by on after
before while when if where
""".split()
)
# Headline verbs: in Title Case a name followed by one of these is still a place ("Jordan Announces ...").
HEADLINE_VERBS = frozenset(
    """
announces announced approves bans battles begins braces calls cancels celebrates closes confirms declares
denies evacuates expands faces gets hit hits holds imposes issues launches lifts loses mourns names opens
orders passes plans prepares rallies rejects remembers reopens reports responds sees seeks shuts signs
suspends unveils votes warns welcomes wins says said to is was will
""".split()
)
# Nicknames of major sports teams: "Washington Nationals" names a team, not a place.
TEAM_NICKNAMES = frozenset(
    """
nationals capitals wizards commanders redskins mystics red sox yankees mets patriots celtics bruins
revolution giants jets knicks nets rangers islanders devils eagles phillies flyers sixers 76ers steelers
pirates penguins ravens orioles cowboys mavericks stars texans astros rockets dynamo dolphins heat
marlins hurricanes panthers lightning buccaneers rays magic falcons braves hawks united saints pelicans
titans predators colts pacers bengals reds cavaliers browns guardians indians lions tigers pistons
wings bears cubs bulls blackhawks packers bucks brewers vikings twins timberwolves wild chiefs
royals broncos rockies nuggets avalanche raiders aces chargers dodgers lakers clippers kings galaxy
angels ducks padres seahawks mariners sounders kraken blazers timbers jazz suns diamondbacks coyotes
cardinals thunder grizzlies spurs hornets jaguars bills sabres raptors blue jays maple leafs canadiens
senators oilers flames canucks wanderers rovers athletic albion villa hotspur
""".split()
)
# A name right after one of these is read as a place ("flooding in Reading").
LOCATIVE_PREPOSITIONS = frozenset(
    """
in at near from to across outside inside around toward towards into through throughout downtown
""".split()
)

# Months and weekdays: capitalised by convention, never the town that shares the name ("March", "August").
CALENDAR_WORDS = frozenset(
    """
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
""".split()
)
# Words that make "... of X" a place ("residents of Tyler", "north of Bryant").
PLACES_OF = frozenset(
    """
residents resident city town village county mayor north south east west outskirts suburb suburbs people
streets centre center heart parts part downtown neighbourhood neighborhood area
""".split()
)
# Words after a name that make it a person speaking ("Tyler said", "Bryant told reporters").
SPEECH_VERBS = frozenset("said says told added asked wrote tweeted explained noted argued insisted".split())
# How many of the most common US surnames, and first names, count as personal names (1990 census via the
# `names` package: the top 1,000 surnames are borne by about half of Americans).
COMMON_SURNAMES = 1000
COMMON_FIRST_NAMES = 400


@lru_cache(maxsize=1)
def personal_names() -> frozenset[str]:
    """The most common US surnames and first names, lower-case: as a bare word they are more often people than towns.

    Read from the public-domain 1990 US Census name lists that the `names` package
    ships (rank-ordered, one name a line).
    """
    folder = Path(importlib.util.find_spec("names").origin).parent
    found: set[str] = set()
    for filename, count in (
        ("dist.all.last", COMMON_SURNAMES),
        ("dist.male.first", COMMON_FIRST_NAMES),
        ("dist.female.first", COMMON_FIRST_NAMES),
    ):
        with (folder / filename).open(encoding="ascii") as lines:
            found.update(line.split(maxsplit=1)[0].lower() for line, _ in zip(lines, range(count)))
    return frozenset(found)
